# El registro ("Crear una cuenta nueva"), Restablecer, ¿Tiene problemas para iniciar sesión?, la
# página de ayuda, y los problemas que señala un registro.

register-title = Crear una cuenta nueva
register-intro = Elija una contraseña y cómo verificará su identidad cada vez que inicie sesión.
register-reset = Restablecer
register-display-name = Nombre para mostrar
register-email = Correo electrónico
register-email-hint = Esta es la dirección que su administrador registró para usted.
register-new-password = Contraseña nueva
register-password-hint = Al menos 8 caracteres; cuanto más larga, mejor. Unas cuantas palabras sin relación entre sí forman una contraseña segura. Se permite cualquier carácter.
register-confirm-password = Confirmar contraseña
register-mfa-method = Método de autenticación multifactor
register-mfa-method-hint = Ambos métodos requieren una dirección de correo electrónico.
register-method-phone = Teléfono
register-method-email = Correo electrónico
register-method-passkey = Llave de acceso
register-submit = Enviar


reset-title = Restablecer el registro
reset-go-to-login = Ir a la página de inicio de sesión
reset-intro = Escriba su nombre de usuario (la dirección de correo electrónico que registró su administrador). Le enviaremos por correo electrónico un nuevo enlace de registro para completar su registro.
reset-username = Nombre de usuario
reset-submit = Enviar

trouble-title = ¿Tiene problemas para iniciar sesión?
trouble-intro = Si comenzó el registro de autenticación multifactor y creó una contraseña, pero no terminó, escriba la dirección de correo electrónico y la contraseña que usó. Enviaremos a la dirección registrada un enlace que lo lleva al punto donde se quedó.
trouble-email = Dirección de correo electrónico
trouble-password = Contraseña
trouble-send-link = Haga clic aquí para enviar un enlace

link-sent-if-eligible = Si coincide con una cuenta cuyo registro no está terminado, le enviamos por correo electrónico un nuevo enlace de registro. El enlace funciona una sola vez, durante 2 días. Revise su bandeja de entrada (y la carpeta de correo no deseado).

help-title = Ayuda con la autenticación multifactor
help-intro = Para iniciar sesión se necesitan su contraseña y un segundo factor: un código enviado por correo electrónico o mensaje de texto, o una llamada telefónica en la que usted marca #. Elija el problema que tiene.
help-new-user = Soy un usuario nuevo y tengo un correo electrónico de registro
help-new-user-text = Haga clic en el enlace del correo electrónico. Funciona una sola vez y vence a los 2 días. En la página que se abre, elija una contraseña, elija Teléfono o Correo electrónico y haga clic en Enviar; después inicie sesión y verifique su dirección de correo electrónico o su número de teléfono.
help-link-expired = Mi enlace de registro venció, ya se usó o muestra un error
help-link-expired-use = Use
help-link-expired-reset = Restablecer
help-link-expired-text = : escriba su nombre de usuario (su dirección de correo electrónico) y haga clic en Enviar. Le enviaremos por correo electrónico un nuevo enlace que completa su registro: si ya había elegido su contraseña, lo lleva directamente a verificar su correo electrónico o su teléfono. Su administrador del portal también puede enviarle un enlace nuevo.
help-not-finished = Comencé el registro pero no lo terminé
help-not-finished-use = Use
help-not-finished-trouble = ¿Tiene problemas para iniciar sesión?
help-not-finished-text = con la dirección de correo electrónico y la contraseña que usó, y haga clic en Haga clic aquí para enviar un enlace. Le enviaremos por correo electrónico un enlace que lo lleva al punto donde se quedó.
help-before-mfa = Usaba el portal antes de la autenticación multifactor
help-before-mfa-use = Use
help-before-mfa-link = primer inicio de sesión con autenticación multifactor
help-before-mfa-text = : inicie sesión con su contraseña actual, luego elija una contraseña nueva y registre su segundo factor.
help-before-mfa-forgot-before = Si ya no recuerda su contraseña actual, use
help-forgot-link = ¿Olvidó su contraseña?
help-before-mfa-forgot-text = con la dirección de correo electrónico que tiene el portal: escriba el código de 6 dígitos que le enviamos por correo electrónico, haga clic en Continuar, luego elija una contraseña nueva, elija Teléfono o Correo electrónico y haga clic en Enviar. Inicie sesión con la contraseña nueva para verificar su segundo factor y aceptar los Términos de uso, como en un primer inicio de sesión.
help-forgot = Olvidé mi contraseña
help-forgot-use = Use
help-forgot-text = : escriba su dirección de correo electrónico, haga clic en Enviar código de verificación, escriba el código de 6 dígitos y haga clic en Verificar código, y luego en Continuar. Si registró un teléfono, confirme con Enviar código o Llamarme. Después escriba dos veces una contraseña nueva y haga clic en Continuar.
help-no-code = El código no llegó o venció
help-no-code-text = El código de inicio de sesión enviado por correo electrónico vence 30 segundos después de enviarse, así que tenga su correo abierto antes de hacer clic en Enviar código de verificación. Revise su carpeta de correo no deseado. Puede pedir un código nuevo tras una breve espera; la página indica cuánto falta.
help-no-call = La llamada no llegó o no la contesté
help-no-call-text = Asegúrese de que el teléfono registrado sea una línea directa sin extensión. En la página del teléfono, haga clic de nuevo en Llamarme, o en Enviar código para recibir un mensaje de texto.
help-locked = Mi cuenta está bloqueada
help-locked-text = Después de demasiados intentos fallidos, el inicio de sesión se pausa durante un tiempo. La página indica cuándo puede volver a intentarlo. Su administrador del portal puede ayudarle si sigue ocurriendo.
help-back-to-login = Volver a la página de inicio de sesión

registration-link-invalid = Este enlace de registro no es válido. Compruebe que abrió el enlace completo del correo electrónico.
registration-link-expired = Este enlace de registro venció: los enlaces funcionan durante 2 días. Pida a su administrador del portal que le envíe un enlace nuevo.
registration-link-used = Este enlace de registro ya se usó. Cada enlace funciona una sola vez. Si no terminó de registrarse, pida a su administrador del portal que le envíe un enlace nuevo.
registration-link-done = Su cuenta ya está configurada, así que este enlace de registro ya no es necesario. Inicie sesión desde la página de inicio de sesión.
registration-choose-method = Elija cómo verificará su identidad: Teléfono o Correo electrónico.
registration-method-not-allowed = Su organización no permite ese método. Elija uno de los métodos que se muestran.
registration-email-taken = Ya existe una cuenta con esta dirección de correo electrónico. Use otra dirección.
registration-staff = Su empresa le permite iniciar sesión a través de { $provider }, así que aquí no se establece ninguna contraseña. Use Iniciar sesión con { $provider }.
registration-page-expired = Esta página de registro venció. Haga clic en Restablecer para recibir por correo electrónico un nuevo enlace de registro, o pídale uno a su administrador del portal.
registration-link-replaced = Se le envió un enlace de registro más reciente, así que este ya no funciona. Use el enlace del correo electrónico más reciente.

# Lo que no puede ser una contraseña, una dirección de correo, un número de teléfono o un nombre.
password-problem-mismatch = Las contraseñas no coinciden. Escriba la misma contraseña en ambos campos.
password-problem-too-short = La contraseña es demasiado corta: use al menos 8 caracteres. Unas cuantas palabras sin relación entre sí forman una buena contraseña.
password-problem-too-long = La contraseña es demasiado larga: use como máximo 256 caracteres.
password-problem-personal = La contraseña no debe contener su nombre ni su dirección de correo electrónico. Elija algo que no tenga relación con usted.
password-problem-guessable = Esta contraseña es demasiado común o fácil de adivinar{ $reason }. Elija una más larga y menos predecible, como unas cuantas palabras sin relación entre sí.
email-address-problem-empty = Escriba una dirección de correo electrónico.
email-address-problem-malformed = Escriba la dirección de correo electrónico con el formato nombre@example.com.
email-address-problem-too-long = Esa dirección de correo electrónico es demasiado larga (254 caracteres como máximo).
phone-number-problem-empty = Escriba su número de teléfono.
phone-number-problem-country-code = Escriba el código de país con dígitos, por ejemplo +1.
phone-number-problem-country-not-allowed = Este portal no acepta números de teléfono con +{ $code }. Use un número con uno de estos códigos de país: { $allowed }.
phone-number-problem-extension = No se admiten extensiones: escriba una línea directa sin extensión.
phone-number-problem-ten-digits = Un número con +1 debe ser una línea directa de 10 dígitos, por ejemplo 415 555 0132.
phone-number-problem-invalid = Ese no es un número de teléfono válido para el código de país +{ $code }. Revise el número e inténtelo de nuevo.
display-name-problem-empty = Escriba un nombre para mostrar.
display-name-problem-too-long = El nombre para mostrar es demasiado largo (100 caracteres como máximo).
display-name-problem-characters = El nombre para mostrar no puede contener caracteres de control ni ninguno de < > " \ {"{"} {"}"}.
registration-not-sent = No se pudo enviar el correo electrónico de registro ({ $reason }). Inténtelo de nuevo en unos minutos.

# zxcvbn's reasons for a guessable password (the English words are zxcvbn's own).
password-reason-straight-rows = las filas seguidas de teclas son fáciles de adivinar
password-reason-keyboard-patterns = los patrones cortos del teclado son fáciles de adivinar
password-reason-repeats = las repeticiones como "aaa" son fáciles de adivinar
password-reason-repeated-groups = las repeticiones como "abcabcabc" son apenas más difíciles de adivinar que "abc"
password-reason-top-10 = es una de las 10 contraseñas más comunes
password-reason-top-100 = es una de las 100 contraseñas más comunes
password-reason-common = es una contraseña muy común
password-reason-similar = se parece a una contraseña muy usada
password-reason-sequences = las secuencias como abc o 6543 son fáciles de adivinar
password-reason-recent-years = los años recientes son fáciles de adivinar
password-reason-word = una palabra sola es fácil de adivinar
password-reason-dates = las fechas suelen ser fáciles de adivinar
password-reason-names = los nombres y apellidos solos son fáciles de adivinar
password-reason-common-names = los nombres y apellidos comunes son fáciles de adivinar
