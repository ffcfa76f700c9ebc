# La consola de administración: sus secciones, las cuentas, invitaciones, creación masiva,
# carga de archivos, organizaciones, importación, la confirmación de una acción y lo hecho.

admin-nav-label = Secciones de administración
admin-nav-accounts = Cuentas
admin-nav-rollout = Implantación de MFA
admin-nav-clients = Aplicaciones (clientes de OpenID Connect)
admin-nav-apps = Aplicaciones protegidas (autenticación delegada)
admin-nav-providers = Proveedores de inicio de sesión del personal
admin-nav-terms = Publicar Condiciones de uso
admin-nav-mail = Cola de correo
admin-nav-audit = Registro de auditoría

admin-title = Administración
admin-confirm-name = Nombre
admin-confirm-email = Correo electrónico
admin-confirm = Confirmar
admin-cancel = Cancelar
admin-accounts-heading = Cuentas ({ $total })
admin-search = Buscar
admin-status = Estado
admin-any = Cualquiera
admin-status-invited = invitada
admin-status-registering = registrándose
admin-status-active = activa
admin-status-imported = importada
admin-in-organization = En la organización
admin-sort-by = Ordenar por
admin-sort-newest = Más recientes
admin-sort-name = Nombre
admin-sort-email = Correo electrónico
admin-sort-last-sign-in = Último inicio de sesión
admin-filter = Filtrar
admin-scroll-hint = En una pantalla angosta, desplace la tabla hacia los lados para ver todas las columnas.
admin-col-name = Nombre
admin-col-email = Correo electrónico
admin-col-organization = Organización
admin-col-role = Rol
admin-col-status = Estado
admin-col-method = Método
admin-col-factors = Factores
admin-col-last-sign-in = Último inicio de sesión
admin-col-link-expires = El enlace vence
admin-col-actions = Acciones
admin-role-user = usuario
admin-role-org-admin = administrador de organización
admin-role-system-admin = administrador del sistema
admin-method-email = correo electrónico
admin-method-phone = teléfono
admin-method-app = aplicación autenticadora
admin-method-passkey = llave de acceso
admin-factor-email = Correo electrónico
admin-factor-phone = Teléfono
admin-factor-app = Aplicación autenticadora
admin-factor-passkey = Llave de acceso
admin-row-disabled = (deshabilitada)
admin-row-locked = (bloqueada)
admin-factors-none = ninguno
admin-never = nunca
admin-for-whom = de { $name } ({ $email })
admin-revoke-invitation = Revocar invitación
admin-resend-link = Reenviar enlace
admin-end-sessions = Cerrar sesiones
admin-reset-mfa = Restablecer MFA
admin-make-org-admin = Nombrar administrador de organización
admin-make-user = Convertir en usuario
admin-unlock = Desbloquear
admin-lock = Bloquear
admin-enable = Habilitar
admin-disable = Deshabilitar
admin-no-accounts = Ninguna cuenta coincide.
admin-page-of = Página { $page } de { $count }
admin-previous = Anterior
admin-next = Siguiente
admin-invite-heading = Invitar a una persona
admin-display-name = Nombre para mostrar
admin-email = Correo electrónico
admin-organization = Organización
admin-role = Rol
admin-role-option-user = Usuario
admin-role-option-org-admin = Administrador de organización (requiere una organización)
admin-send-invitation = Enviar invitación
admin-bulk-heading = Creación masiva
admin-bulk-csv-label = CSV con las columnas email, display_name{ $organization } (role opcional: user u org-admin)
admin-bulk-organization-column = , organization
admin-create-all = Crear todas
admin-upload-progress = Archivo cargado. Revisando cada fila y creando las cuentas…
admin-upload-too-large = Este archivo pesa más de 8 MiB. Divídalo en archivos más pequeños y cargue cada uno.
admin-upload-label = O cargue un archivo CSV (las mismas columnas; hasta 8 MiB)
admin-uploading = Cargando
admin-upload-and-create = Cargar y crear
admin-organizations-heading = Organizaciones
admin-organization-name = Nombre
admin-create-organization = Crear organización
admin-col-allowed-factors = Factores permitidos
admin-policy-email = Correo electrónico
admin-policy-phone = Teléfono (mensaje de texto y llamada)
admin-policy-app = Aplicación autenticadora
admin-policy-passkey = Llave de acceso
admin-require-passkey-of = Exigir una llave de acceso a
admin-require-nobody = nadie
admin-require-admins = los administradores
admin-require-everyone = todos
admin-save-factors = Guardar factores de { $organization }
admin-import-heading = Importar usuarios actuales del portal
admin-import-intro = Las cuentas del sistema anterior llegan con el hash de su contraseña. Primero se revisa cada fila: si alguna no es válida, no se importa a nadie y cada fila con problemas aparece con su número de línea. Cada persona importada inicia sesión una vez con su contraseña anterior; luego establece una nueva y se registra en MFA.
admin-import-progress = Archivo cargado. Revisando cada fila e importando las cuentas…
admin-import-too-large = Este archivo pesa más de 8 MiB. Divídalo en archivos más pequeños y cargue cada uno, o pida al operador que ejecute tessera admin import --file con el archivo completo.
admin-import-label = Archivo CSV con las columnas email, display_name, password_hash (bcrypt, PBKDF2-SHA256 o Argon2) y, si lo desea, organization y role (user u org-admin); hasta 8 MiB
admin-upload-and-import = Cargar e importar
admin-home = Inicio

admin-did-not-work = No se pudo hacer
admin-back = Volver a la administración
admin-done-invited = Invitación enviada: el enlace de registro funciona una vez, durante 2 días. Un correo que el servidor de correo no acepte ahora se reintenta (vea Cola de correo).
admin-done-resent = Se envió un nuevo enlace de registro; el anterior ya no funciona.
admin-done-changed = La cuenta se actualizó.
admin-done-revoked = Se revocó la invitación: su enlace ya no funciona.
admin-done-sessions-ended = Se cerraron todas las sesiones de la cuenta.
admin-done-mfa-reset = Se restableció la MFA: la persona vuelve a registrar un segundo factor en su próximo inicio de sesión.
admin-done-organization-created = Se creó la organización.
admin-done-factors = Se guardó la política de factores de la organización.
admin-done-role-changed = Se cambió el rol de la cuenta.
admin-done-terms = Se publicaron las nuevas Condiciones de uso: todos las aceptan en su próximo inicio de sesión.
admin-done-resent-to = Se envió un nuevo enlace de registro a { $who }; el anterior ya no funciona.
admin-done-updated = La cuenta se actualizó: { $who } está { $state ->
    [disabled] deshabilitada
    [enabled] habilitada
    [locked] bloqueada
   *[unlocked] desbloqueada
  }.
admin-done-sessions-ended-for = Se cerraron todas las sesiones de la cuenta: { $who } ya no tiene ninguna sesión abierta.
admin-done-mfa-reset-for = Se restableció la MFA de { $who }: vuelve a registrar un segundo factor en su próximo inicio de sesión.
admin-done-role-changed-to = Se cambió el rol de la cuenta: { $who } ahora es { $role ->
    [user] usuario
    [org-admin] administrador de organización
   *[system-admin] administrador del sistema
  }.

admin-confirm-lock = ¿Bloquear la cuenta de { $name }?
admin-confirm-lock-consequence = No podrá iniciar sesión hasta que se desbloquee la cuenta, y todas sus sesiones se cierran ahora.
admin-confirm-disable = ¿Deshabilitar la cuenta de { $name }?
admin-confirm-disable-consequence = No podrá iniciar sesión hasta que se vuelva a habilitar la cuenta, y todas sus sesiones se cierran ahora.
admin-confirm-reset-mfa = ¿Restablecer la MFA de { $name }?
admin-confirm-reset-mfa-consequence = Todas sus sesiones se cierran ahora, y en su próximo inicio de sesión vuelve a registrar un segundo factor.
admin-confirm-revoke = ¿Revocar la invitación de { $name }?
admin-confirm-revoke-consequence = Su enlace de registro deja de funcionar y la cuenta invitada se elimina: invítela de nuevo para deshacerlo.

admin-choose-upload = Elija un archivo CSV para cargar y luego pulse Cargar y crear.
admin-choose-import = Elija el archivo CSV de los usuarios actuales del portal y luego pulse Cargar e importar.
admin-rows-not-valid = Estas filas no son válidas. Corríjalas y envíe de nuevo el archivo completo.
admin-bulk-done = Creación masiva terminada
admin-bulk-done-message = Se invitó a { $n } personas; cada correo de registro queda en la cola y se envía en segundo plano (Cola de correo muestra los que no se pudieron entregar).
admin-bulk-failed = No se creó a nadie
admin-import-done = Importación terminada
admin-import-done-message = Se importaron { $n } usuarios actuales del portal. Cada uno inicia sesión una vez con su contraseña anterior (el enlace de la página de inicio de sesión para un primer inicio con autenticación multifactor); luego establece una contraseña nueva y se registra en MFA.
admin-import-failed = No se importó a nadie

admin-refusal-not-signed-in = Inicie sesión para usar las páginas de administración.
admin-refusal-not-administrator = Solo los administradores del portal pueden usar estas páginas.
admin-refusal-step-up = Por su seguridad, vuelva a iniciar sesión (con su segundo factor) para usar las páginas de administración.
admin-refusal-not-found = No existe esa cuenta.
admin-refusal-system-only = Solo los administradores del sistema pueden hacer esto.
admin-refusal-people-only = Los tokens de API los emite, lista y revoca un administrador del sistema con sesión iniciada, no un token de API.
admin-org-admin-needs-org = un administrador de organización pertenece a una organización: indique una
admin-no-organization-account = Esta cuenta no tiene organización, y { $needs }.
admin-only-unused-invitation = Solo se puede revocar una invitación que no se haya usado; deshabilite la cuenta en su lugar.
admin-no-such-organization = No existe ninguna organización llamada { $name }.
admin-organization-exists = Ya existe una organización llamada { $name }.
admin-role-must-be = El rol debe ser user u org-admin.
admin-system-role-unchanged = El rol de un administrador del sistema no se cambia aquí.
admin-back-apps = Volver a las aplicaciones protegidas
admin-back-audit = Volver al registro de auditoría
admin-back-rollout = Volver a la implantación de MFA
admin-back-clients = Volver a las aplicaciones
admin-back-mail = Volver a la cola de correo
admin-back-providers = Volver a los proveedores de inicio de sesión del personal

# La implantación de MFA.
rollout-title = Implantación de MFA
rollout-progress = Avance
rollout-summary = { $active } de { $total } cuentas se registraron en la autenticación multifactor ({ $percent } %).
rollout-caption = Cuentas según su situación
rollout-invited = Invitadas (aún sin contraseña)
rollout-registering = Registrándose (segundo factor aún sin verificar)
rollout-imported = Importadas, aún no han iniciado sesión para registrarse
rollout-links-expired = Enlaces de invitación vencidos
rollout-active-with = Activas con { $factor }
rollout-company-sign-in = Inicio de sesión de la empresa (personal)
rollout-mailings = Impulsar al resto
rollout-mailings-intro = Cada carta pasa por la cola de correo con un nuevo enlace de registro (el enlace anterior de la persona deja de funcionar) y queda en el registro de auditoría. Se envían hasta { $batch } cartas cada vez que pulsa; vuelva a pulsar para el resto.
rollout-send-expired = Enviar un nuevo enlace a todos aquellos cuyo enlace venció ({ $n })
rollout-send-unfinished = Enviar un recordatorio a todos los que no terminaron de registrarse ({ $n })
rollout-imported-hint = Las cuentas importadas no tienen enlace que enviar: inician sesión con su contraseña anterior y luego se registran en MFA.
rollout-done-nobody = Nadie lo necesitaba: no se puso ninguna carta en la cola.
rollout-done-expired-links = { $n ->
    [one] 1 nuevo enlace de registro en la cola: sale en los próximos segundos (vea la cola de correo).
   *[other] { $n } nuevos enlaces de registro en la cola: salen en los próximos segundos (vea la cola de correo).
  }
rollout-done-unfinished = { $n ->
    [one] 1 recordatorio con un nuevo enlace de registro en la cola: sale en los próximos segundos (vea la cola de correo).
   *[other] { $n } recordatorios con un nuevo enlace de registro en la cola: salen en los próximos segundos (vea la cola de correo).
  }
