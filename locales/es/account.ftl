# Su cuenta: correo electrónico, métodos de verificación, llaves de acceso, códigos de recuperación,
# contraseña; la aplicación de autenticación, Sus sesiones, Confirme que es usted; y sus problemas.

account-title = Su cuenta
account-intro = Para cambiar su dirección de correo electrónico, su número de teléfono, su método de verificación o su contraseña, primero se le piden su contraseña actual y un código de verificación nuevo, y se cierran sus sesiones en todos los demás lugares. Le avisamos por correo electrónico de cada cambio.
account-email-heading = Dirección de correo electrónico
account-email-is-before = Su dirección de correo electrónico es
account-email-is-after = {"."} También es su nombre de usuario.
account-new-email = Dirección de correo electrónico nueva
account-current-password = Contraseña actual
account-email-hint = Enviamos un código a la dirección nueva; reemplaza a la anterior en cuanto usted escriba el código aquí.
account-send-verification-code = Enviar código de verificación
account-code-sent = Enviamos un código de verificación a { $address }.
account-code-sent-by-text = Enviamos un código de verificación por mensaje de texto a { $address }.
account-code-expires-in = Vence en { $duration }.
account-code-expired-send-new = El código venció: envíe uno nuevo.
account-code-expired-send-code = El código venció: haga clic en Enviar código para recibir uno nuevo.
account-verification-code = Código de verificación
account-verify-code = Verificar código
account-methods-heading = Sus métodos de verificación
account-methods-intro = Puede tener varios: al iniciar sesión elige uno. Para quitar uno se le pide su contraseña actual y se cierran sus sesiones en todos los demás lugares; el último no se puede quitar.
account-methods-method = Método
account-methods-added = Agregado
account-methods-last-used = Último uso
account-methods-action = Acción
account-remove-named = Quitar { $name }
account-remove = Quitar
account-only-method = Su único método
account-add-app = Agregar una aplicación de autenticación
account-factor-email = Correo electrónico
account-factor-phone = Teléfono
account-factor-app = Aplicación de autenticación
account-factor-passkey = Llave de acceso
account-never = Nunca
account-method-heading = Método de verificación
account-method-phone-before = Usted confirma que es usted con un código enviado por mensaje de texto al
account-method-phone-after = {"."}
account-method-email = Usted confirma que es usted con un código enviado a su dirección de correo electrónico.
account-phone-intro-change = Para cambiar su número de teléfono, escriba una línea directa (sin extensión). Con +1, son 10 dígitos.
account-phone-intro-use = Para usar su teléfono en su lugar, escriba una línea directa (sin extensión). Con +1, son 10 dígitos.
account-country-code = Código de país
account-new-phone = Número de teléfono nuevo
account-phone = Número de teléfono
account-send-code = Enviar código
account-use-email = Usar el correo electrónico en su lugar
account-password-heading = Cambiar la contraseña
account-password-staff = Usted inicia sesión a través de { $provider }, así que aquí no tiene contraseña: cámbiela con el inicio de sesión de su empresa.
account-password-intro = Confirmará que es usted con su código de verificación y luego escribirá su contraseña actual y la nueva.
account-change-password = Cambiar la contraseña
account-home = Inicio

account-passkeys-heading = Llaves de acceso
account-passkeys-intro = Una llave de acceso le permite iniciar sesión con el bloqueo de pantalla de su dispositivo o con una llave de seguridad, sin contraseña, y también puede ser su segundo paso después de la contraseña. Para agregar una se le pide su contraseña actual.
account-passkey-name = Nombre de la llave de acceso
account-passkey-name-placeholder = Llave de acceso
account-passkey-name-hint = Por ejemplo, el dispositivo donde está; 64 caracteres como máximo.
account-add-passkey = Agregar una llave de acceso
account-passkey-new-name = Nombre nuevo para { $name }
account-passkey-rename-named = Cambiar el nombre de { $name }
account-passkey-rename = Cambiar el nombre

account-recovery-heading = Códigos de recuperación
account-recovery-intro = Los códigos de recuperación le permiten iniciar sesión si pierde su método de verificación: cada uno funciona una sola vez, en su lugar.
account-recovery-left-before = { $n ->
    [one] Le queda
   *[other] Le quedan
}
account-recovery-left-after = { $n ->
    [one] código de recuperación sin usar.
   *[other] códigos de recuperación sin usar.
}
account-recovery-none-before = Le quedan
account-recovery-none-after = códigos de recuperación.
account-recovery-replace-hint = Los códigos nuevos reemplazan a todos los actuales, usados o no.
account-recovery-first-hint = Le mostramos diez códigos una sola vez, para que los guarde o los descargue.
account-recovery-generate-new = Generar nuevos códigos de recuperación
account-recovery-generate = Generar códigos de recuperación

account-done-email = Su dirección de correo electrónico cambió. Use la nueva para iniciar sesión; avisamos a ambas direcciones.
account-done-phone = Su número de teléfono cambió y ahora es su método de verificación.
account-done-method = El correo electrónico es ahora su método de verificación.
account-done-password = Su contraseña cambió. Use la nueva la próxima vez que inicie sesión; se cerraron sus sesiones en todos los demás lugares.
account-done-app = Se agregó su aplicación de autenticación. Puede usarla para confirmar que es usted la próxima vez que inicie sesión.
account-done-passkey = Se agregó su llave de acceso. Use Iniciar sesión con una llave de acceso en la página de inicio de sesión, o como su segundo paso.
account-done-passkey-renamed = Se cambió el nombre de su llave de acceso.
account-done-removed = Se quitó el método de verificación y se cerraron sus sesiones en todos los demás lugares. Le avisamos por correo electrónico.
account-enrol-passkey = Su organización exige una llave de acceso para su cuenta. Agregue una abajo para continuar; mientras tanto, las demás páginas del portal esperan.

change-password-title = Cambiar la contraseña
change-password-current = Contraseña actual
change-password-new = Contraseña nueva
change-password-hint = Al menos 8 caracteres; unas cuantas palabras sin relación entre sí forman una buena contraseña. Que no sea su nombre ni su dirección de correo electrónico.
change-password-confirm = Confirmar la contraseña nueva
change-password-submit = Cambiar la contraseña
change-password-note = Al cambiar su contraseña se cierran sus sesiones en todos los demás lugares, y le enviamos un aviso por correo electrónico.
change-password-back = Volver a su cuenta

enrol-app-title = Configurar una aplicación de autenticación
enrol-app-already = Ya tiene una aplicación de autenticación. Para cambiar a otra, primero quítela en Su cuenta y luego configure la nueva.
enrol-app-intro = Una aplicación de autenticación en su teléfono muestra un código nuevo de 6 dígitos cada 30 segundos. Escaneará un código con ella y luego escribirá el código que muestre y su contraseña actual.
enrol-app-start = Configurar una aplicación de autenticación
enrol-app-step-open = Abra una aplicación de autenticación en su teléfono ({ $apps }, …) y agregue una cuenta.
enrol-app-step-scan = Escanee este código con ella:
enrol-app-qr = Código QR para su aplicación de autenticación; la misma clave está escrita abajo
enrol-app-step-type = O bien, si no puede escanear, escriba en ella esta clave (basada en el tiempo, 6 dígitos):
enrol-app-step-enter = Para terminar, escriba el código que muestra ahora la aplicación, junto con su contraseña actual.
enrol-app-code = Código de su aplicación
enrol-app-password = Contraseña actual
enrol-app-submit = Agregar la aplicación de autenticación
enrol-app-back = Volver a Su cuenta

recovery-codes-title = Sus códigos de recuperación
recovery-codes-save = Guarde ahora estos diez códigos: es la única vez que se muestran. Los códigos anteriores ya no funcionan.
recovery-codes-how-before = Si pierde su método de verificación, elija
recovery-codes-how-choice = Usar un código de recuperación
recovery-codes-how-after = al iniciar sesión y escriba uno de estos. Cada código funciona una sola vez. Guárdelos en un lugar seguro, separados de su contraseña.
recovery-codes-download = Descargar los códigos
recovery-codes-saved = Ya los guardé: volver a Su cuenta
recovery-codes-file-title = Códigos de recuperación de { $brand }
recovery-codes-file-intro = Cada código funciona una sola vez, en lugar de su método de verificación.

verify-recovery-title = Usar un código de recuperación
verify-recovery-intro = Escriba uno de los códigos de recuperación que guardó cuando los generó. Cada código funciona una sola vez; le avisamos por correo electrónico cuando se usa uno.
verify-recovery-code = Código de recuperación
verify-recovery-hint = Por ejemplo abcd-efgh-2345-6789. No importan las mayúsculas, los espacios ni los guiones.
verify-recovery-submit = Verificar código
verify-recovery-start-over = Volver a empezar

sessions-title = Sus sesiones
sessions-intro = Estos son los lugares donde tiene una sesión iniciada, y las aplicaciones en las que cada una le hizo iniciar sesión. Cierre cualquiera que no reconozca y avise a su administrador del portal: al cerrar una sesión también se cierra en sus aplicaciones.
sessions-signed-in = Inicio de sesión
sessions-last-used = Último uso
sessions-ends = Termina a más tardar
sessions-applications = Aplicaciones
sessions-actions = Acciones
sessions-this-browser = (este navegador)
sessions-no-applications = Ninguna
sessions-end = Cerrar esta sesión
sessions-end-started = iniciada el { $started }
sessions-end-others = Cerrar sesión en todos los demás lugares
sessions-home = Inicio

verify-again-title = Confirme que es usted
verify-again-intro = Por su seguridad, escriba un código de verificación nuevo antes de continuar. Su sesión sigue iniciada.
verify-again-app-code = Código de su aplicación de autenticación
verify-again-verify-code = Verificar código
verify-again-or-code = O bien, reciba un código:
verify-again-phone-before = Enviaremos un código por mensaje de texto al número de teléfono registrado:
verify-again-phone-after = {"."} El código vencerá { $lifetime } después de enviarse.
verify-again-email-before = Enviaremos un código por correo electrónico a
verify-again-email-after = {"."} El código vencerá { $lifetime } después de enviarse, así que tenga su correo abierto antes de hacer clic.
verify-again-send-code = Enviar código
verify-again-send-verification-code = Enviar código de verificación
verify-again-sent = Enviamos un código de verificación a { $address }.
verify-again-expired = El código venció: envíe uno nuevo.
verify-again-code = Código de verificación
verify-again-cancel = Cancelar

account-problem-not-fresh = Por su seguridad, primero confirme que es usted con su código de verificación.
account-problem-wrong-password = Esa no es su contraseña actual. No se cambió nada; escríbala de nuevo.
account-problem-staff-password = Usted inicia sesión a través de { $provider }, así que aquí no tiene contraseña. Cambie su contraseña con el inicio de sesión de su empresa.
account-problem-locked = Demasiadas contraseñas incorrectas para esta cuenta. Inténtelo de nuevo después de { $time }.
account-problem-same-email = Esa ya es su dirección de correo electrónico.
account-problem-email-taken = Esa dirección de correo electrónico pertenece a otra cuenta, así que no puede ser también suya. Escriba otra dirección; no se cambió nada.
account-problem-same-phone = Ese ya es su número de teléfono.
account-problem-method-not-allowed = Su organización no permite { $method } como método de verificación. Consulte a su administrador del portal si lo necesita.
account-problem-already-email = El correo electrónico ya es su método de verificación.
account-problem-already-held = Ya tiene { $method }. Quítela primero si quiere configurar otra.
account-problem-enrolment-expired = Esta configuración venció. Vuelva a abrirla desde Su cuenta para obtener un código nuevo que escanear.
account-problem-wrong-app-code = Ese código no es correcto. Revise la hora de su teléfono y escriba el código que muestra ahora su aplicación; no se agregó nada.
account-problem-last-factor = Ese es su último método, así que no se puede quitar. Primero agregue otro método de verificación.
account-problem-no-such-factor = Ese método de verificación ya no está en su cuenta.
account-problem-same-password = Esa ya es su contraseña. Elija una nueva que no haya usado aquí; no se cambió nada.
step-up-problem-no-phone = No hay ningún número de teléfono registrado para esta cuenta. Pida a su administrador del portal que restablezca su autenticación multifactor.
step-up-only-own-pages = Después de confirmar que es usted, el portal solo continúa a una de sus propias páginas. Vuelva a empezar desde la página de inicio.

recovery-code-problem-wrong = Ese no es uno de sus códigos de recuperación. Compárelo con su lista guardada y escríbalo de nuevo, o use otra forma de las de abajo.
recovery-code-problem-used = Ese código de recuperación ya se usó; cada uno funciona una sola vez. Escriba otro código de su lista.
recovery-code-problem-locked = Demasiados intentos fallidos para esta cuenta. Inténtelo de nuevo después de { $time }.
recovery-code-problem-timed-out = Se agotó el tiempo de su inicio de sesión. Vuelva a iniciar sesión.
account-method-name-phone = el teléfono
account-method-name-email = el correo electrónico
account-method-name-app = una aplicación de autenticación
account-method-name-passkeys = las llaves de acceso
