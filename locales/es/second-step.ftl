# El formulario de inicio de sesión, las páginas del segundo paso (correo, teléfono, llamada,
# aplicación de autenticación, llave de acceso) y las páginas de entrada y salida del portal.

## El formulario de inicio de sesión
first-login-title = Primer inicio de sesión con autenticación multifactor
first-login-intro = Inicie sesión con el correo electrónico y la contraseña que ya tiene en el portal. Después establecerá una contraseña nueva y elegirá cómo verificar su identidad.
field-email-address = Correo electrónico
field-password = Contraseña
sign-in-button = Iniciar sesión
sign-in-forgot = ¿Olvidó su contraseña?
back-to-login = Volver a la página de acceso
notice-registered-phone = Su contraseña quedó establecida. Inicie sesión con su correo electrónico y su nueva contraseña para verificar su número de teléfono y terminar el registro.
notice-registered-email = Su contraseña quedó establecida. Inicie sesión con su correo electrónico y su nueva contraseña para verificar su correo electrónico y terminar el registro.
notice-registered-passkey = Su contraseña quedó establecida. Inicie sesión con su correo electrónico y su nueva contraseña y después cree su llave de acceso en este dispositivo para terminar el registro.
notice-registered-app = Su contraseña quedó establecida. Inicie sesión con su correo electrónico y su nueva contraseña y después agregue este portal a su aplicación de autenticación para terminar el registro.
notice-signed-out = Ha cerrado sesión.
notice-timed-out = Su sesión terminó. Vuelva a iniciar sesión para continuar.
notice-step-up = Por su seguridad, vuelva a iniciar sesión con su segundo factor para usar las páginas de administración.

## Lo que comparten las páginas del segundo paso
field-verification-code = Código de verificación
verify-code-button = Verificar código
start-over = Empezar de nuevo
button-continue = Continuar
error-summary-title = Hay un problema
error-summary-go-to-field = Ir al campo que debe corregir
code-timer-prefix = Vence en
code-timer-expires-in = Vence en { $time }.
code-timer-announce-prefix = Su código vence en
countdown-one-second = 1 segundo
countdown-seconds = segundos
countdown-minutes = minutos
other-ways-heading = Otras formas de confirmar que es usted
other-ways-use-email = Usar el correo electrónico en su lugar
other-ways-use-phone = Usar el teléfono en su lugar
other-ways-use-app = Usar la aplicación de autenticación en su lugar
other-ways-use-passkey = Usar una llave de acceso en su lugar
other-ways-recovery-code = Usar un código de recuperación

## Verificación por correo electrónico
verify-email-title = Verificación por correo electrónico
verify-email-lifetime = El código vencerá { $lifetime } después de enviarse, así que tenga su correo electrónico abierto antes de hacer clic.
verify-email-retry-prefix = Podrá pedir otro código en
verify-email-retry-now = Ya puede pedir otro código.
verify-email-retry-in = Podrá pedir otro código en { $wait }.
verify-email-not-received = ¿No lo recibió? Revise su carpeta de correo no deseado y vuelva a hacer clic en Enviar código de verificación.
verify-email-not-received-wait = ¿No lo recibió? Revise su carpeta de correo no deseado y, cuando termine la espera, vuelva a hacer clic en Enviar código de verificación.
verify-email-send = Enviar código de verificación
verify-email-sent = Enviamos un código de verificación a { $to }.
verify-email-expired = Venció: haga clic en Enviar código de verificación para recibir uno nuevo.

## Verificación por teléfono
verify-phone-title = Verificación por teléfono
verify-phone-on-file = Le enviaremos un mensaje de texto o lo llamaremos al número de teléfono registrado:
verify-phone-direct-line = Escriba una línea directa (sin extensión). Para +1, son 10 dígitos.
field-country-code = Código de país
field-phone-number = Número de teléfono
verify-phone-lifetime = Un código enviado por mensaje de texto sirve durante { $lifetime } después de enviarse.
verify-phone-retry-prefix = Podrá pedir otro código o llamada en
verify-phone-retry-now = Ya puede pedir otro código o llamada.
verify-phone-retry-in = Podrá pedir otro código o llamada en { $wait }.
verify-phone-send-code = Enviar código
verify-phone-call-me = Llamarme
verify-phone-sent = Enviamos un código de verificación por mensaje de texto al { $to }.
verify-phone-expired = Venció: haga clic en Enviar código para recibir uno nuevo.

## Llamarme: la página mientras suena el teléfono
call-title-waiting = Llamando a su teléfono
call-title-pressed = Llamada contestada
call-title-ended = La llamada terminó
call-waiting = Lo estamos llamando ahora
call-waiting-at = al
call-waiting-next = Conteste la llamada y oprima la tecla # cuando se le indique. Esta página avanzará por sí sola.
call-pressed = Gracias: recibimos la tecla oprimida.
call-failed = La llamada no se completó: no fue contestada, la línea estaba ocupada o la llamada terminó antes de oprimir #. Vuelva a intentarlo con Llamarme de nuevo, o use Enviar código para recibir un mensaje de texto.
call-no-press = No detectamos ninguna tecla a tiempo, así que la llamada terminó. Vuelva a intentarlo con Llamarme de nuevo, o use Enviar código para recibir un mensaje de texto.
call-no-press-called = No detectamos ninguna tecla a tiempo, así que la llamada terminó (llamamos al { $number }). Vuelva a intentarlo con Llamarme de nuevo, o use Enviar código para recibir un mensaje de texto.
call-retry-prefix = Podrá pedir un mensaje de texto u otra llamada en
call-retry-now = Ya puede pedir un mensaje de texto u otra llamada.
call-retry-in = Podrá pedir un mensaje de texto u otra llamada en { $wait }.
call-again = Llamarme de nuevo
call-text-instead = Enviarme un mensaje de texto en su lugar
call-cancel = Cancelar
call-back = Volver a Enviar código o Llamarme

## Aplicación de autenticación
verify-app-title = Aplicación de autenticación
verify-app-intro = Abra la aplicación de autenticación en su teléfono y escriba el código de 6 dígitos que muestra para este portal.
verify-app-code-label = Código de su aplicación

## Llave de acceso
verify-passkey-title = Llave de acceso
verify-passkey-enrol-intro = Eligió una llave de acceso para verificar su identidad. Créela ahora: su dispositivo le pedirá su bloqueo de pantalla o su llave de seguridad.
verify-passkey-name = Nombre de la llave de acceso
verify-passkey-name-hint = Por ejemplo, el dispositivo donde está; 64 caracteres como máximo.
verify-passkey-create = Crear su llave de acceso
verify-passkey-intro = Confirme que es usted con su llave de acceso: su dispositivo le pedirá su bloqueo de pantalla o su llave de seguridad.
verify-passkey-use = Usar su llave de acceso
passkey-script-cancelled = La solicitud de la llave de acceso se canceló o se agotó el tiempo. Vuelva a intentarlo o use otra forma.
passkey-script-exists = Este dispositivo ya tiene una llave de acceso para su cuenta.
passkey-script-refused = Este navegador rechazó la llave de acceso para esta dirección. Abra el portal en su dirección habitual y vuelva a intentarlo.
passkey-script-failed = Algo salió mal con la llave de acceso. Vuelva a intentarlo.
passkey-script-unreadable = El portal no pudo completar esto. Vuelva a cargar la página e inténtelo de nuevo.
passkey-script-try-again = El portal no pudo completar esto. Vuelva a intentarlo.

## Verificado, sesión iniciada, de vuelta a la aplicación
verified-title = Verificado
verified-heading = Verificación completa
verified-email = Su correo electrónico quedó verificado.
continue-title = Iniciando su sesión
continue-heading = Ha iniciado sesión
continue-taking-back = Lo llevamos de vuelta a la aplicación…
continue-to-app = Continuar a la aplicación

## Términos de uso
terms-title = Términos de uso
# The portal's own first Terms of Use (migration 0001), said in the page's language.
terms-default-body = Este portal contiene información de salud protegida (PHI) e información de identificación personal (PII). Al usarlo, usted acepta consultar solo la información que necesita para su trabajo, no compartir con nadie su contraseña ni sus códigos de verificación, cerrar la sesión cuando deje su dispositivo e informar de inmediato a su administrador del portal cualquier sospecha de uso indebido. Su actividad en el portal queda registrada.
terms-agree = Acepto los Términos de uso

## Inicio
home-title = Inicio
home-welcome = Bienvenido, { $name }
home-signed-in-as = Ha iniciado sesión como { $email }.
home-applications = Sus aplicaciones
home-no-applications = Todavía no tiene aplicaciones disponibles aquí. Cuando su administrador del portal le dé una aplicación a su organización, aparecerá en esta página.
home-administration = Administración
home-account = Su cuenta
home-sessions = Sus sesiones
sign-out-button = Cerrar sesión

## Una página de mensaje
message-operation-id = Identificador de la operación:
message-reset = Restablecer

## Sin acceso a una aplicación
no-access-title = Sin acceso
no-access-heading-app = No tiene acceso a { $app }
no-access-heading = No tiene acceso a esta aplicación
no-access-signed-in-app = Ha iniciado sesión, pero su cuenta no puede usar { $app }.
no-access-signed-in = Ha iniciado sesión, pero su cuenta no puede usar esta aplicación.
no-access-next = Si la necesita para su trabajo, pida a su administrador del portal que le dé acceso a su organización. Su página de inicio muestra las aplicaciones que puede usar.
go-home = Ir a su página de inicio
no-access-see-why = Vea por qué y qué hacer a continuación
return-bounced-title = La aplicación no detectó su inicio de sesión
return-bounced-alert = Ha iniciado sesión, pero la aplicación lo devolvió directamente aquí para iniciar sesión.
return-bounced-why-before = Por lo general, esto significa que la aplicación y este portal de acceso están en nombres de host distintos y el inicio de sesión no llega a la aplicación. Avise a su administrador del portal: debe configurar
return-bounced-why-after = con el dominio que ambos comparten (consulte la guía de despliegue).
return-bounced-try-again = Volver a intentar con la aplicación

## Inicio de sesión del personal con el proveedor de la empresa
staff-redirect-title = Iniciando sesión con { $provider }
staff-redirect-taking = Lo llevamos a { $provider }…
staff-redirect-continue = Continuar a { $provider }
staff-route-notice = { $provider } inicia la sesión de las direcciones de { $domain }: usted inicia sesión allí con su cuenta de la empresa, no con una contraseña aquí.

## Cerrar sesión a pedido de una aplicación (OpenID Connect)
oidc-logout-title = Cerrar sesión
oidc-logout-heading = ¿Cerrar sesión en { $brand }?
oidc-logout-intro = Una aplicación pidió cerrar su sesión. Al cerrar sesión termina su sesión de { $brand } y se cierra su sesión en las aplicaciones a las que entró a través de ella.
oidc-logout-stay = Mantener la sesión iniciada
oidc-signed-out-title = Sesión cerrada
oidc-signed-out-heading = Ha cerrado sesión
oidc-signed-out-return = Volver a la aplicación
