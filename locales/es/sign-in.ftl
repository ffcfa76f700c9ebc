# La página de acceso ("Bienvenido al portal"), acceso con correo o teléfono, el segundo paso.

login-title = Iniciar sesión
login-heading = Bienvenido al portal
login-staff = Personal
login-staff-intro = Los empleados de la empresa inician sesión con el inicio de sesión único de la empresa.
login-staff-button = Iniciar sesión con { $provider }
login-customer-provider = Cliente/Proveedor
login-customer-provider-intro = Los clientes y proveedores inician sesión aquí con el método que registraron.
login-with-phone = Iniciar sesión con teléfono
login-with-email = Iniciar sesión con correo electrónico
login-with-passkey = Iniciar sesión con una llave de acceso
login-first-time = Si es la primera vez que inicia sesión con autenticación multifactor, haga clic aquí para completar su registro
login-trouble = ¿Tiene problemas para iniciar sesión?
dev-outbox-before = Modo de desarrollo: los mensajes van a la
dev-outbox-link = bandeja de salida de desarrollo

# The development outbox page (only with no SMTP server): what it says around the messages.
dev-outbox-title = Bandeja de salida de desarrollo
dev-outbox-intro = No hay ningún servidor SMTP configurado, así que los mensajes se guardan aquí (los más recientes primero). Esta página solo existe en desarrollo.
dev-outbox-to = Para { $to } por { $channel }, { $at }
dev-outbox-channel-email = correo electrónico
dev-outbox-channel-sms = SMS
dev-outbox-channel-voice = llamada
dev-outbox-press = Oprimir # en esta llamada
dev-outbox-empty = Todavía no hay mensajes.
