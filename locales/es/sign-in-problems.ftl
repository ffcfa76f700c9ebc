# Lo que el inicio de sesión y el segundo paso dicen que salió mal, y lo que se envía con un código.

## Correo electrónico y contraseña
sign-in-invalid = El correo electrónico o la contraseña no son correctos. Revise ambos y vuelva a intentarlo. Si todavía no se ha registrado, use el enlace de su correo de registro.
sign-in-locked = Hubo demasiados intentos fallidos de inicio de sesión para este correo electrónico. Vuelva a intentarlo después de { $until }, o use ¿Olvidó su contraseña? para establecer una nueva ahora.
sign-in-busy = El portal está ocupado. Espere unos segundos y vuelva a intentarlo.
sign-in-disabled = Su administrador del portal desactivó o bloqueó esta cuenta. Comuníquese con él para que la vuelva a activar.
sign-in-factor-not-allowed = Su organización ya no permite el método de verificación que registró. Pida a su administrador del portal que restablezca su autenticación multifactor y luego registre otro método.

## Códigos (correo electrónico y mensaje de texto)
code-not-six-digits = Escriba el código de 6 dígitos del mensaje que le enviamos.
code-cooling-down = Se envió un código hace unos momentos. Espere { $wait } antes de pedir otro.
code-exhausted = Se escribieron demasiados códigos incorrectos. Vuelva a iniciar sesión para recibir un código nuevo.
code-session-ended-send = Su inicio de sesión caducó. Vuelva a iniciar sesión para recibir un código.
code-email-not-delivered = No pudimos enviar el correo en este momento. Espere un minuto y vuelva a hacer clic en Enviar código de verificación.
code-locked = Hubo demasiados intentos fallidos para esta cuenta. Vuelva a intentarlo después de { $until }.
code-session-ended = Su inicio de sesión caducó. Vuelva a iniciar sesión para recibir un código nuevo.
code-send-button-email = Enviar código de verificación
code-send-button-recovery = Enviar código de verificación
code-send-button-sms = Enviar código
code-none-sent = No hay ningún código pendiente para este inicio de sesión. Haga clic en { $send } para recibir uno.
code-expired = Este código venció. Haga clic en { $send } para recibir uno nuevo y escríbalo de inmediato.
code-wrong-email = Ese código no es correcto. Revise el correo más reciente y vuelva a intentarlo ({ $tries ->
    [one] le queda 1 intento
   *[other] le quedan { $tries } intentos
}).
code-wrong-sms = Ese código no es correcto. Revise el mensaje de texto más reciente y vuelva a intentarlo ({ $tries ->
    [one] le queda 1 intento
   *[other] le quedan { $tries } intentos
}).
code-too-many-tries-recovery = Se escribieron demasiados códigos incorrectos, así que este código ya no sirve. Vuelva a empezar con ¿Olvidó su contraseña? para recibir un código nuevo.
code-too-many-tries = Se escribieron demasiados códigos incorrectos, así que este código ya no sirve. Vuelva a iniciar sesión para recibir un código nuevo.
code-already-used = Este código ya se usó. Vuelva a iniciar sesión si lo necesita.

## El código por correo electrónico
code-email-subject = Su código de verificación: { $code }
code-email-hello = Hola, { $name }:
code-email-code-is = Su código de verificación es:
code-email-expires = Vence en { $lifetime } ({ $expires }) y sirve una sola vez. No lo comparta nunca: el personal del portal nunca se lo pedirá.
code-email-new-address = Alguien que inició sesión en el portal pidió que esta dirección sea su correo electrónico para iniciar sesión. Si no fue usted, ignore este mensaje: nada cambia a menos que se escriba el código.
code-email-not-you = Si usted no intentó iniciar sesión, es posible que alguien conozca su contraseña: cámbiela y avise a su administrador del portal.

## Mensajes de texto y llamadas
phone-cooling-down = Se envió un código o una llamada hace unos momentos. Espere { $wait } antes de volver a pedirlo.
phone-cap-reached-account = Se alcanzó el límite diario de mensajes de texto y llamadas para esta cuenta. Vuelva a intentarlo después de { $until }, o use Iniciar sesión con correo electrónico si registró un correo electrónico.
phone-cap-reached-number = Se alcanzó el límite diario de mensajes de texto y llamadas para este número de teléfono. Vuelva a intentarlo después de { $until }, o use Iniciar sesión con correo electrónico si registró un correo electrónico.
phone-cap-reached-address = Se alcanzó el límite diario de mensajes de texto y llamadas para esta dirección de red. Vuelva a intentarlo después de { $until }, o use Iniciar sesión con correo electrónico si registró un correo electrónico.
phone-session-ended = Su inicio de sesión caducó. Vuelva a iniciar sesión para continuar.
phone-sms-refused = El servicio telefónico no aceptó este número. Verifique que sea correcto y que pueda recibir mensajes de texto, o elija Llamarme.
phone-call-refused = El servicio telefónico no aceptó este número. Verifique que sea correcto y que pueda recibir llamadas, o elija Enviar código.
phone-sms-no-answer = No pudimos enviar el mensaje de texto: el servicio telefónico no respondió a tiempo. Si no le llega nada, espere un minuto y vuelva a intentarlo, o elija Llamarme.
phone-call-no-answer = No pudimos hacer la llamada: el servicio telefónico no respondió a tiempo. Si no le llega nada, espere un minuto y vuelva a intentarlo, o elija Enviar código.
phone-sms-failed = No pudimos enviar el mensaje de texto en este momento. Espere un minuto y vuelva a intentarlo, o elija Llamarme.
phone-call-failed = No pudimos hacer la llamada en este momento. Espere un minuto y vuelva a intentarlo, o elija Enviar código.
phone-sms-body = Su código de verificación de { $brand } es { $code }. Vence en { $lifetime }. No lo comparta nunca.
phone-call-prompt = Le habla el portal { $brand }. Para confirmar su inicio de sesión, oprima ahora la tecla numeral.
phone-call-no-key = No recibimos ninguna tecla. Hasta luego.
phone-call-confirmed = Gracias. Ha iniciado sesión. Hasta luego.
phone-call-not-confirmed = Eso no confirmó el inicio de sesión. Hasta luego.

## Aplicación de autenticación
app-code-format = Escriba el código de 6 dígitos que su aplicación de autenticación muestra para este portal.
app-code-wrong = Ese código no es correcto. Revise la hora de su teléfono y escriba el código que su aplicación muestra ahora.
app-code-already-used = Ese código ya se usó. Espere a que su aplicación muestre uno nuevo y escríbalo.
sign-in-timed-out = Su inicio de sesión caducó. Vuelva a iniciar sesión.

## Términos de uso
terms-not-agreed = Marque la casilla para aceptar los Términos de uso y luego haga clic en Continuar.
terms-outdated = Los Términos de uso cambiaron mientras los leía. Lea la nueva versión y vuelva a aceptarlos.

## Páginas de error
error-page-to-sign-in = Ir a la página de inicio de sesión
error-page-form-expired-title = Este formulario venció
error-page-form-expired = La página que envió era demasiado antigua o venía de otro sitio. Regrese, vuelva a cargar la página e inténtelo de nuevo.
error-page-too-large-title = Demasiados datos
error-page-too-large = El formulario envió más datos de los que necesita cualquiera de nuestros formularios. Regrese, revise lo que escribió y vuelva a intentarlo.
error-page-not-found-title = Página no encontrada
error-page-not-found = No hay ninguna página en esta dirección. Revise la dirección o vuelva a empezar desde la página de inicio de sesión.
error-page-registration-title = Error de registro
error-page-registration = { $problem } O haga clic en Restablecer para que le enviemos un enlace nuevo por correo electrónico.
error-page-busy-title = El portal está ocupado
error-page-busy = Hay demasiadas personas iniciando sesión en este momento. No se guardó nada de lo que escribió: espere unos segundos, regrese y vuelva a intentarlo.
error-page-barred-title = Esta cuenta está desactivada o bloqueada
error-page-barred = Su administrador del portal desactivó o bloqueó esta cuenta, así que no puede iniciar sesión ni restablecer su contraseña. Comuníquese con él para que la vuelva a activar.
error-page-internal-title = Algo salió mal
error-page-internal = El portal no pudo terminar este paso. No se perdió nada de lo que escribió: espere un minuto y vuelva a intentarlo. Si sigue pasando, dé a su administrador del portal el identificador de la operación que aparece abajo.

## Llaves de acceso
passkey-default-name = Llave de acceso
passkey-no-ceremony = Esta solicitud de llave de acceso venció o ya se usó. Vuelva a intentarlo.
passkey-not-accepted = No se aceptó su llave de acceso. Vuelva a intentarlo o use otra forma de iniciar sesión.
passkey-unknown = Esa llave de acceso no está registrada en este portal. Mejor inicie sesión con su correo electrónico y su contraseña.
passkey-possibly-cloned = Se rechazó esta llave de acceso porque es posible que se haya copiado. Inicie sesión de otra forma y quítela de Su cuenta.
passkey-not-allowed = Su organización no permite llaves de acceso. Inicie sesión con su correo electrónico y su contraseña.
passkey-not-registered = Primero termine de registrarse: inicie sesión con su correo electrónico y su contraseña, y verifique su código.
passkey-not-discoverable = La llave de acceso debe ser una que su dispositivo guarde (una credencial detectable). Pruebe con otro dispositivo o administrador de contraseñas.
passkey-bad-name = Dé a la llave de acceso un nombre de 64 caracteres como máximo, sin saltos de línea.
passkey-already-registered = Esa llave de acceso ya está registrada.
passkey-none-yet = Todavía no tiene una llave de acceso. Use otra forma de verificar su identidad.

## Inicio de sesión del personal a través de la empresa
staff-problem-title = No funcionó el inicio de sesión a través de su empresa
staff-unknown-provider = Esta opción de inicio de sesión no está disponible. Use los botones de la página de acceso.
staff-expired = El inicio de sesión tardó demasiado o ya se usó. Vuelva a empezar desde la página de acceso.
staff-unreachable = No se pudo contactar a { $provider } o respondió de forma incorrecta. Vuelva a intentarlo en unos minutos; si continúa, avise a su administrador del portal.
staff-refused = { $provider } no inició su sesión. Vuelva a intentarlo desde la página de acceso; si continúa, avise a su administrador del portal.
staff-unverified = { $provider } no confirmó la dirección { $email }. Pida al área de TI de su empresa que la verifique y vuelva a intentarlo.
staff-other-domain = { $provider } solo inicia la sesión de direcciones de sus propios dominios; { $email } no es una de ellas.
staff-no-account = No se pudo crear una cuenta para { $email }. Pida a su administrador del portal que lo invite y vuelva a iniciar sesión con este botón.

# A request of an application that cannot be answered at the application (OpenID Connect).
oidc-unusable-title = No se puede usar esta solicitud de inicio de sesión
oidc-unusable = { $why } Vuelva a la aplicación y empiece de nuevo; si vuelve a ocurrir, avise al administrador de la aplicación.
oidc-unusable-home = Ir a su página de inicio de { $brand }
oidc-why-named-twice = La solicitud de la aplicación se nombra a sí misma o a su dirección de regreso dos veces.
oidc-why-no-longer-registered = La aplicación que lo envió aquí ya no está registrada en este servicio de inicio de sesión.
oidc-why-not-registered = La aplicación que lo envió aquí no está registrada en este servicio de inicio de sesión.
oidc-why-return-not-registered = La dirección a la que la aplicación pidió volver no está registrada para ella.
oidc-why-no-return = La aplicación no indicó adónde volver.
oidc-why-foreign-token = La solicitud de cierre de sesión de la aplicación lleva un token que este servicio no emitió.
oidc-why-two-applications = La solicitud de cierre de sesión de la aplicación nombra dos aplicaciones distintas.
oidc-why-logout-return-not-registered = La dirección a la que la aplicación pidió volver después de cerrar la sesión no está registrada para ella.
# A form none of the portal's pages sends ({ $detail }: what was wrong, as the server read it).
form-unreadable-title = No pudimos leer este formulario
form-unreadable = El formulario llegó incompleto o con un valor que ninguna de nuestras páginas envía{ $detail }. Regrese, vuelva a cargar la página e inténtelo de nuevo; si sigue pasando, la página de Ayuda indica otras formas de entrar.
# A registration page opened without a registration link.
registration-not-started-title = El registro no ha comenzado
registration-not-started = Abra el enlace de registro de su correo electrónico para registrarse. Si el enlace venció, ya se usó o no funciona, haga clic en Restablecer para que le enviemos uno nuevo por correo electrónico.
# "Confirm it is you" asked to go on to another site.
step-up-not-allowed-title = Esa dirección no está permitida
step-up-home = Inicio
