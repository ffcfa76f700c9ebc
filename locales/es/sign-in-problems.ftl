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
phone-sms-body = Su código de verificación de Tessera es { $code }. Vence en { $lifetime }. No lo comparta nunca.
phone-call-prompt = Le habla el portal Tessera. Para confirmar su inicio de sesión, oprima ahora la tecla numeral.
phone-call-no-key = No recibimos ninguna tecla. Hasta luego.

## Aplicación de autenticación
app-code-format = Escriba el código de 6 dígitos que su aplicación de autenticación muestra para este portal.
app-code-wrong = Ese código no es correcto. Revise la hora de su teléfono y escriba el código que su aplicación muestra ahora.
app-code-already-used = Ese código ya se usó. Espere a que su aplicación muestre uno nuevo y escríbalo.
sign-in-timed-out = Su inicio de sesión caducó. Vuelva a iniciar sesión.

## Términos de uso
terms-not-agreed = Marque la casilla para aceptar los Términos de uso y luego haga clic en Continuar.
terms-outdated = Los Términos de uso cambiaron mientras los leía. Lea la nueva versión y vuelva a aceptarlos.
