# ¿Olvidó su contraseña?: la dirección, el código enviado por correo, la contraseña nueva; y sus problemas.

forgot-title = ¿Olvidó su contraseña?
forgot-intro = Escriba la dirección de correo electrónico de su cuenta. Le enviaremos por correo electrónico un código de verificación de 6 dígitos.
forgot-intro-lifetime = Funciona durante { $lifetime } después de enviarse, así que tenga su correo abierto.
forgot-email = Dirección de correo electrónico
forgot-send-code = Enviar código de verificación
forgot-back-to-login = Volver a la página de inicio de sesión
forgot-timed-out = Se agotó el tiempo para restablecer la contraseña. Vuelva a empezar abajo.
forgot-code-sent = Si alguna cuenta usa { $address }, le enviamos por correo electrónico un código de verificación de 6 dígitos.
forgot-code-expired = El código venció: haga clic en Enviar código de verificación para recibir uno nuevo.
forgot-code = Código de verificación
forgot-verify-code = Verificar código
forgot-start-again = Volver a empezar con ¿Olvidó su contraseña?
another-code-in = Podrá pedir otro código en { $duration }.
another-code-in-prefix = Podrá pedir otro código en
another-code-now = Ya puede pedir otro código.

new-password-title = Elija una contraseña nueva
new-password-password = Contraseña nueva
new-password-hint = Al menos 8 caracteres; cuanto más larga, mejor. Unas cuantas palabras sin relación entre sí forman una contraseña segura.
new-password-confirm = Confirmar contraseña
new-password-continue = Continuar

recovery-too-many = Demasiadas solicitudes. Inténtelo de nuevo después de { $time }.
recovery-cooling-down = Se envió un código hace un momento. Espere { $duration } antes de pedir otro.
recovery-timed-out = Se agotó el tiempo para restablecer la contraseña. Vuelva a empezar con ¿Olvidó su contraseña?
recovery-exhausted = Se escribieron demasiados códigos incorrectos, así que ya no se pueden enviar más códigos para este restablecimiento. Vuelva a empezar con ¿Olvidó su contraseña?
portal-busy = El portal está ocupado. Espere unos segundos e inténtelo de nuevo.
