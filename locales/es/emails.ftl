# Los correos sobre el registro, la recuperación y la cuenta: asuntos, textos y los cambios que avisan.

email-hello = Hola, { $name }:
email-complete-registration = Completar mi registro
email-reset = Restablecer
email-ignore-unexpected = Si no esperaba este correo electrónico, puede ignorarlo.
email-ignore-unasked = Si no pidió este correo electrónico, puede ignorarlo.
email-done-nothing-more = Si fue usted, no tiene que hacer nada más.
email-link-works-once = El enlace funciona una sola vez y vence en { $lifetime } ({ $expires }).

registration-subject = Complete su registro en { $brand }
invitation-created = Su administrador del portal creó su cuenta. Abra este enlace para completar su registro:
invitation-expired-text = Si venció o ya no funciona, obtenga uno nuevo con Restablecer ({ $reset }), o pida a su administrador del portal que le envíe uno.
invitation-expired-before = Si venció o ya no funciona, obtenga uno nuevo con
invitation-expired-after = , o pida a su administrador del portal que le envíe uno.
invitation-registration-page = En la página de registro elegirá una contraseña y cómo verificará su identidad al iniciar sesión.

registration-link-asked = Pidió un nuevo enlace para completar su registro. Abra este enlace para continuar donde se quedó:
registration-link-earlier = Los enlaces que se le enviaron antes de este ya no funcionan.
registration-link-again-text = Si este enlace vence o deja de funcionar antes de que termine, obtenga otro con Restablecer ({ $reset }) o, si ya eligió su contraseña, con ¿Tiene problemas para iniciar sesión? ({ $trouble }). Su administrador del portal también puede enviarle uno.
registration-link-again-before = Si este enlace vence o deja de funcionar antes de que termine, obtenga otro con
registration-link-again-middle = o, si ya eligió su contraseña, con
registration-link-again-trouble = ¿Tiene problemas para iniciar sesión?
registration-link-again-after = . Su administrador del portal también puede enviarle uno.

reset-code-subject = Su código de verificación para restablecer su contraseña: { $code }
reset-code-asked = Pidió restablecer su contraseña. Su código de verificación es: { $code }
reset-code-asked-html = Pidió restablecer su contraseña. Su código de verificación es:
reset-code-enter = Escríbalo en la página ¿Olvidó su contraseña? y haga clic en Verificar código. Vence en { $lifetime } ({ $expires }) y funciona una sola vez. No lo comparta nunca: el personal del portal nunca se lo pedirá.
reset-code-unasked = Si no pidió restablecer su contraseña, puede ignorar este correo electrónico: su contraseña sigue igual. Si vuelve a ocurrir, avise a su administrador del portal.

password-changed-subject = Se cambió su contraseña de { $brand }
password-changed-what = La contraseña de su cuenta del portal se cambió el { $when }, y se cerraron todas las demás sesiones de su cuenta.
password-changed-not-you-text = Si no fue usted, es posible que alguien tenga acceso a su correo electrónico: comuníquese de inmediato con su administrador del portal y use "¿Olvidó su contraseña?" en la página de inicio de sesión ({ $login }) para elegir una contraseña nueva.
password-changed-not-you-before = Si no fue usted, es posible que alguien tenga acceso a su correo electrónico: comuníquese de inmediato con su administrador del portal y use "¿Olvidó su contraseña?" en la
email-login-page = página de inicio de sesión
email-to-set-new-password = para elegir una contraseña nueva.

account-changed-what = { $change } el { $when }, y se cerraron todas las demás sesiones de su cuenta.
account-changed-not-you-text = Si no fue usted, es posible que alguien haya iniciado sesión en su nombre: comuníquese de inmediato con su administrador del portal y use "¿Olvidó su contraseña?" en la página de inicio de sesión ({ $login }) para elegir una contraseña nueva.
account-changed-not-you-before = Si no fue usted, es posible que alguien haya iniciado sesión en su nombre: comuníquese de inmediato con su administrador del portal y use "¿Olvidó su contraseña?" en la
account-changed-email-subject = Se cambió su dirección de correo electrónico del portal
account-changed-email = La dirección de correo electrónico de su cuenta del portal se cambió de { $old } a { $new }
account-changed-method-subject = Se cambió su método de verificación del portal
account-changed-phone-subject = Se cambió su número de teléfono del portal
account-changed-to-phone = El método de verificación de su cuenta del portal se cambió al número de teléfono { $phone }
account-changed-phone = El número de teléfono de su cuenta del portal se cambió a { $phone }
account-changed-to-email = El método de verificación de su cuenta del portal se cambió al correo electrónico, y se quitó su número de teléfono
account-changed-password-subject = Se cambió su contraseña del portal
account-changed-password = La contraseña de su cuenta del portal se cambió

recovery-codes-email-what = { $change } el { $when }. { $extra }
recovery-codes-email-not-you-text = Si no fue usted, es posible que alguien tenga su contraseña y sus códigos de recuperación: inicie sesión ({ $login }), cambie su contraseña y genere nuevos códigos de recuperación en Su cuenta de inmediato, y comuníquese con su administrador del portal.
recovery-codes-email-not-you-before = Si no fue usted, es posible que alguien tenga su contraseña y sus códigos de recuperación:
recovery-codes-email-sign-in = inicie sesión
recovery-codes-email-not-you-after = , cambie su contraseña y genere nuevos códigos de recuperación en Su cuenta de inmediato, y comuníquese con su administrador del portal.
recovery-codes-new-subject = Nuevos códigos de recuperación para su cuenta del portal
recovery-codes-new = Se generaron nuevos códigos de recuperación para su cuenta del portal
recovery-codes-new-extra = Los anteriores ya no funcionan.
recovery-codes-used-subject = Se usó un código de recuperación en su cuenta del portal
recovery-codes-used-resetting = Se usó un código de recuperación para confirmar que es usted al restablecer su contraseña
recovery-codes-used-signing-in = Se usó un código de recuperación para iniciar sesión en su cuenta del portal
recovery-codes-left = { $n ->
    [0] No le quedan códigos de recuperación: genere nuevos en Su cuenta ahora.
    [1] Le queda 1 código de recuperación: genere nuevos en Su cuenta pronto.
   *[other] Le quedan { $n } códigos de recuperación.
}

# The MFA rollout's reminders before its deadline.
email-rollout-deadline = Su organización pide a todos terminar antes del final del { $day } (UTC).
rollout-imported-subject = Configure el segundo paso de inicio de sesión de { $brand } antes del { $day }
rollout-imported-intro = { $brand } ahora pide un segundo paso al iniciar sesión: un código enviado a su correo electrónico o teléfono, una aplicación de autenticación o una llave de acceso. Así la información de salud con la que trabaja sigue protegida aunque alguien conozca su contraseña.
rollout-imported-how = Para configurarlo, inicie sesión en la dirección de abajo con su correo electrónico y su contraseña actual, y siga los pasos de la página:
rollout-imported-sign-in = Iniciar sesión y configurar el segundo paso
