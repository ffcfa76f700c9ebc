# La consola de administración: sus secciones, las cuentas, invitaciones, creación masiva,
# carga de archivos, organizaciones, importación, la confirmación de una acción y lo hecho.

admin-nav-label = Secciones de administración
admin-nav-accounts = Cuentas
admin-nav-rollout = Implantación de MFA
admin-nav-clients = Aplicaciones (clientes de OpenID Connect)
admin-nav-apps = Aplicaciones protegidas (autenticación delegada)
admin-nav-providers = Proveedores de inicio de sesión del personal
admin-nav-terms = Publicar Términos de uso
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
admin-bulk-csv-label = CSV con las columnas { $email }, { $display_name } ({ $role } opcional: { $user } u { $org_admin })
admin-bulk-csv-label-organization = CSV con las columnas { $email }, { $display_name }, { $organization } ({ $role } opcional: { $user } u { $org_admin })
admin-create-all = Crear todas
admin-upload-progress = Archivo cargado. Revisando cada fila y creando las cuentas…
admin-upload-too-large = Este archivo pesa más de 8 MiB. Divídalo en archivos más pequeños y cargue cada uno.
admin-upload-label = O cargue un archivo CSV (las mismas columnas; hasta 8 MiB)
admin-uploading = Cargando
# What the upload script says while a file goes up ({file} and the like are filled in by it).
admin-upload-sending = Cargando { $file }…
admin-upload-percent = Cargando: { $percent } % enviado.
admin-upload-answered = El servidor respondió { $status }. Vuelva a cargar la página e inténtelo de nuevo.
admin-upload-unreachable = El archivo no llegó al servidor. Revise la conexión e inténtelo de nuevo.
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
admin-import-too-large = Este archivo pesa más de 8 MiB. Divídalo en archivos más pequeños y cargue cada uno, o pida al operador que ejecute { "tessera admin import --file" } con el archivo completo.
admin-import-label = Archivo CSV con las columnas { $email }, { $display_name }, { $password_hash } (bcrypt, PBKDF2-SHA256 o Argon2) y, si lo desea, { $organization } y { $role } ({ $user } u { $org_admin }); hasta 8 MiB
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
admin-done-terms = Se publicaron los nuevos Términos de uso: todos los aceptan en su próximo inicio de sesión.
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
admin-role-must-be = El rol debe ser { "user" } u { "org-admin" }.
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

# La cola de correo.
mail-title = Cola de correo
mail-dead-heading = Cartas no entregadas
mail-dead-intro = Invitaciones, recordatorios y avisos que el servidor de correo no aceptó después de todos los reintentos. Reintentar la envía de nuevo ahora; Descartar la elimina (la persona no recibe nada: use Reenviar enlace en la cuenta para un nuevo enlace de registro).
mail-kind-invitation = invitación
mail-kind-reminder = recordatorio
mail-kind-notice = aviso
mail-letter-to = { $kind } para { $recipient }
mail-subject = Asunto
mail-organization = Organización
mail-queued = En la cola desde
mail-given-up = Abandonada
mail-given-up-after = { $at }, después de { $attempts } intentos
mail-last-error = Último error
mail-no-error = ninguno
mail-retry = Reintentar
mail-retry-label = Reintentar la carta ({ $kind }) para { $recipient }
mail-discard = Descartar
mail-discard-label = Descartar la carta ({ $kind }) para { $recipient }
mail-no-dead = No hay cartas sin entregar.
mail-waiting-heading = En espera de envío
mail-attempts-failed = { $attempts } intentos fallidos, el próximo { $next }
mail-queued-at = en la cola desde { $at }
mail-nothing-waiting = No hay nada en espera: se enviaron todos los correos de la cola.
mail-done-retried = La carta vuelve a estar en la cola y se está enviando.
mail-done-discarded = Se descartó la carta: no se enviará.

# El registro de auditoría: su filtro y sus entradas.
audit-title = Registro de auditoría
audit-filter-heading = Filtro
audit-user = Usuario (correo electrónico)
audit-user-hint = La persona a la que se refieren las entradas.
audit-actor = Autor
# Quien actuó en nombre del sistema se escribe con su código (la lista lo ofrece); no se enumera aquí.
audit-actor-hint = Quién actuó: una dirección de correo electrónico o uno de los autores del sistema que ofrece la lista{ $actors ->
   *[other] {""}
  }.
audit-event = Evento
audit-any = Cualquiera
audit-organization = Organización
audit-from = Desde (UTC)
audit-to = Hasta (UTC, inclusive)
audit-filter = Filtrar
audit-entries-heading = Entradas
audit-export = Exportar estas entradas:
audit-caption-newest = Más recientes primero
audit-caption-older = Más recientes primero, página anterior
audit-col-time = Hora (UTC)
audit-col-event = Evento
audit-col-actor = Autor
audit-col-subject = Sujeto
audit-col-detail = Detalle
audit-no-entries = Ninguna entrada coincide.
audit-newest = Más recientes
audit-older = Anteriores
audit-unknown-format = Formato de exportación desconocido
audit-export-formats = Exporte el registro de auditoría como { "CSV" } o como { "JSON Lines" }.
audit-event-account-disabled = cuenta deshabilitada
audit-event-account-enabled = cuenta habilitada
audit-event-account-invited = cuenta invitada
audit-event-account-locked = cuenta bloqueada
audit-event-account-locked-by-admin = cuenta bloqueada por un administrador
audit-event-account-unlocked = cuenta desbloqueada
audit-event-accounts-imported = cuentas importadas
audit-event-accounts-invited-in-bulk = cuentas invitadas en bloque
audit-event-api-token-issued = token de API emitido
audit-event-api-token-revoked = token de API revocado
audit-event-app-created = aplicación protegida creada
audit-event-app-deleted = aplicación protegida eliminada
audit-event-app-disabled = aplicación protegida deshabilitada
audit-event-app-enabled = aplicación protegida habilitada
audit-event-audit-chain-sealed = cadena de auditoría sellada
audit-event-backchannel-logout-failed = cierre de sesión por canal trasero fallido
audit-event-backup-made = copia de seguridad hecha
audit-event-backup-restored = copia de seguridad restaurada
audit-event-call-cancelled = llamada cancelada
audit-event-call-ended = llamada terminada
audit-event-call-key-pressed = tecla pulsada en la llamada
audit-event-call-key-refused = tecla rechazada en la llamada
audit-event-call-placed = llamada realizada
audit-event-call-webhook-forged = aviso de llamada falsificado
audit-event-call-webhook-ignored = aviso de llamada ignorado
audit-event-client-authentication-failed = autenticación de aplicación fallida
audit-event-client-created = aplicación creada
audit-event-client-deleted = aplicación eliminada
audit-event-client-disabled = aplicación deshabilitada
audit-event-client-enabled = aplicación habilitada
audit-event-client-secret-rotated = secreto de aplicación renovado
audit-event-client-sign-in = inicio de sesión en una aplicación
audit-event-client-uris-changed = direcciones de aplicación cambiadas
audit-event-code-not-delivered = código no entregado
audit-event-code-refused = código rechazado
audit-event-code-sent = código enviado
audit-event-email-changed = correo electrónico cambiado
audit-event-factor-added = factor agregado
audit-event-factor-policy-changed = política de factores cambiada
audit-event-factor-refused = factor rechazado
audit-event-factor-removed = factor quitado
audit-event-factor-renamed = factor renombrado
audit-event-first-administrator-link-issued = enlace del primer administrador emitido
audit-event-forward-auth-refused = autenticación delegada rechazada
audit-event-idp-changed = proveedor cambiado
audit-event-idp-created = proveedor creado
audit-event-idp-disabled = proveedor deshabilitado
audit-event-idp-enabled = proveedor habilitado
audit-event-invitation-revoked = invitación revocada
audit-event-invitation-withdrawn = invitación retirada
audit-event-keys-rotated = claves renovadas
audit-event-mail-dead-lettered = carta no entregada
audit-event-mail-discarded = carta descartada
audit-event-mail-retried = carta reintentada
audit-event-mfa-method-changed = método de MFA cambiado
audit-event-mfa-reset = MFA restablecida
audit-event-organization-created = organización creada
audit-event-passkey-refused = llave de acceso rechazada
audit-event-password-accepted = contraseña aceptada
audit-event-password-changed = contraseña cambiada
audit-event-password-rehashed = hash de contraseña renovado
audit-event-password-reset-requested = restablecimiento de contraseña solicitado
audit-event-password-set = contraseña establecida
audit-event-phone-changed = teléfono cambiado
audit-event-reauthentication-failed = nueva autenticación fallida
audit-event-records-pruned = registros depurados
audit-event-recovery-codes-generated = códigos de recuperación generados
audit-event-registration-link-opened = enlace de registro abierto
audit-event-registration-link-requested = enlace de registro solicitado
audit-event-registration-link-sent = enlace de registro enviado
audit-event-role-changed = rol cambiado
audit-event-rollout-deadline-removed = fecha límite de implantación quitada
audit-event-rollout-deadline-set = fecha límite de implantación fijada
audit-event-rollout-reminder-sent = recordatorio de implantación enviado
audit-event-send-refused = envío rechazado
audit-event-session-ended = sesión cerrada
audit-event-sessions-ended = sesiones cerradas
audit-event-sign-in-failed = inicio de sesión fallido
audit-event-sign-in-refused = inicio de sesión rechazado
audit-event-signed-in = sesión iniciada
audit-event-signed-out = sesión cerrada por la persona
audit-event-signing-key-created = clave de firma creada
audit-event-staff-account-created = cuenta del personal creada
audit-event-staff-sign-in-refused = inicio de sesión del personal rechazado
audit-event-step-up-passed = verificación adicional superada
audit-event-terms-accepted = condiciones aceptadas
audit-event-terms-published = condiciones publicadas
audit-event-token-reuse-detected = reutilización de token detectada
audit-event-token-revoked = token revocado

# Aplicaciones (clientes de OpenID Connect).
clients-title = Aplicaciones
clients-registered = Aplicaciones registradas
clients-intro = Las aplicaciones en las que las personas inician sesión a través de Tessera. Abra una para cambiar sus URI, renovar su secreto, deshabilitarla o eliminarla.
clients-intro-organization = Las aplicaciones en las que las personas de su organización inician sesión a través de Tessera. Abra una para cambiar sus URI, renovar su secreto, deshabilitarla o eliminarla.
clients-table-label = Tabla de aplicaciones registradas
clients-col-name = Nombre
clients-col-client-id = ID de cliente
clients-col-organization = Organización
clients-col-type = Tipo
clients-col-status = Estado
clients-col-redirect-uris = URI de redirección
clients-every-organization = todas las organizaciones
clients-kind-public = pública
clients-kind-confidential = confidencial
clients-status-active = activa
clients-status-disabled = deshabilitada
clients-none = Todavía no hay ninguna aplicación registrada.
clients-register-heading = Registrar una aplicación
clients-register-intro = El secreto de cliente se muestra una sola vez, en la página siguiente; Tessera solo guarda un hash con clave. Las URI de redirección deben ser https (http solo en 127.0.0.1 o localhost), sin fragmento, y se comparan de forma exacta.
clients-name = Nombre
clients-redirect-uris = URI de redirección (una por línea)
clients-post-logout-uris = URI de redirección después de cerrar sesión (una por línea, opcional)
clients-backchannel-uri = URI de cierre de sesión por canal trasero (opcional)
clients-start-url = URL de inicio (opcional: aparece en la página de inicio de las personas que pueden usarla)
clients-organization = Organización (opcional: solo sus personas pueden usar la aplicación)
clients-id-token-alg = Algoritmo del token de ID
clients-rs256-default = RS256 (predeterminado)
clients-public = Cliente público (una aplicación nativa o de navegador que no puede guardar un secreto; debe usar PKCE)
clients-register = Registrar aplicación
clients-done-uris = Se guardaron las URI; rigen desde la próxima solicitud.
clients-done-disabled = La aplicación está deshabilitada: nadie inicia sesión en ella hasta que se vuelva a habilitar.
clients-done-enabled = La aplicación está habilitada.
clients-done-deleted = Se eliminó la aplicación.

# Publicar los Términos de uso.
terms-admin-title = Términos de uso
terms-admin-intro = La versión actual es la { $version }. Una nueva versión se muestra a todos en su próximo inicio de sesión, y cada aceptación queda registrada.
terms-admin-field-title = Título
terms-admin-field-text = Texto
terms-admin-publish = Publicar nueva versión

# Una aplicación (cliente de OpenID Connect) y su secreto.
client-registration = Registro
client-registered-at = Registrada
client-uris = URI
client-uris-intro = Al guardar se reemplaza todo el conjunto. Las URI de redirección deben ser https (http solo en 127.0.0.1 o localhost), sin fragmento, y se comparan de forma exacta; se necesita al menos una.
client-save-uris = Guardar URI
client-secret-and-status = Secreto y estado
client-public-no-secret = Un cliente público no tiene secreto: se identifica con PKCE.
client-rotate-secret = Renovar secreto
client-delete = Eliminar aplicación
client-actions-hint = Al renovar el secreto, el anterior deja de funcionar de inmediato: entregue el nuevo a la aplicación enseguida. Al deshabilitarla, nadie puede iniciar sesión en la aplicación hasta que se vuelva a habilitar. La eliminación no se puede deshacer.
client-registered-title = Aplicación registrada
client-registered-message = La aplicación quedó registrada. Entréguele su ID de cliente y su secreto.
client-rotated-title = Nuevo secreto de cliente
client-rotated-message = Se renovó el secreto: el anterior ya no funciona. Entregue ahora el nuevo a la aplicación.
client-secret-copy-now = Copie ahora el secreto de cliente: solo se muestra una vez.
client-secret-keyed-hash = Tessera solo guarda un hash con clave; si lo pierde, renuévelo.
client-secret-public = Este es un cliente público: no tiene secreto y se identifica con PKCE.
client-secret-go = Ir a la aplicación

# Aplicaciones protegidas (autenticación delegada).
apps-title = Aplicaciones protegidas
apps-intro = Las aplicaciones que un proxy inverso (nginx, Caddy, Traefik) pone detrás del inicio de sesión de Tessera: en cada solicitud, el proxy pregunta a Tessera si el navegador tiene una sesión iniciada. Se rechazan las solicitudes de una aplicación deshabilitada; la eliminación no se puede deshacer.
apps-intro-organization = Las aplicaciones de su organización que un proxy inverso (nginx, Caddy, Traefik) pone detrás del inicio de sesión de Tessera: en cada solicitud, el proxy pregunta a Tessera si el navegador tiene una sesión iniciada. Se rechazan las solicitudes de una aplicación deshabilitada; la eliminación no se puede deshacer.
apps-col-url = URL
apps-col-organizations = Organizaciones
apps-status-enabled = habilitada
apps-status-disabled = deshabilitada
apps-enable-label = Habilitar { $name }
apps-disable-label = Deshabilitar { $name }
apps-delete-label = Eliminar { $name }
apps-delete = Eliminar
apps-url = URL (origen)
apps-url-hint = La dirección que abren las personas, sin ruta: por ejemplo, https://portal.example.org. Debe ser https (http solo en 127.0.0.1 o localhost, o mientras la dirección propia de Tessera sea http).
apps-organization = Organización (solo sus personas pueden usar la aplicación)
apps-every-organization = Todas las organizaciones
apps-only-your-organization = Solo las personas de su organización pueden usar las aplicaciones que registre.
apps-only-your-organization-named = Solo las personas de su organización ({ $organizations }) pueden usar las aplicaciones que registre.
apps-done-registered = La aplicación quedó registrada: desde ahora se responden las consultas de su proxy inverso.
apps-done-disabled = La aplicación está deshabilitada: las consultas de su proxy inverso rechazan a todos hasta que se vuelva a habilitar.

# Proveedores de inicio de sesión del personal.
providers-registered = Proveedores registrados
providers-intro-before = Los proveedores de identidad propios de la empresa (OpenID Connect: Microsoft Entra ID, Okta, Google Workspace, …). La página de inicio de sesión muestra
providers-intro-button = Iniciar sesión con NOMBRE
providers-intro-after = para cada proveedor habilitado, y una dirección de un dominio del personal se envía a su proveedor en lugar de pedirle una contraseña. Un proveedor deshabilitado no se ofrece y su personal no puede iniciar sesión con él.
providers-table-label = Tabla de proveedores registrados
providers-issuer = Emisor
providers-domains = Dominios de correo del personal
providers-col-local-mfa = Pide el factor propio de Tessera
providers-none-organization = Ninguna
providers-yes = sí
providers-no = no
providers-edit = Editar
providers-edit-label = Editar { $name }
providers-none = Todavía no hay ningún proveedor registrado.
providers-register-heading = Registrar un proveedor
providers-register-before = Primero registre Tessera en el proveedor, como aplicación web cuya URI de redirección es la de este portal:
providers-register-after = ; luego el proveedor le da un ID de cliente y un secreto de cliente. Tessera lee el documento de descubrimiento del proveedor antes de guardarlo.
providers-name-hint = Aparece en la página de inicio de sesión como «Iniciar sesión con NOMBRE».
providers-issuer-hint = Exactamente como lo indica el proveedor, por ejemplo { $example } (https; http solo en 127.0.0.1 o localhost).
providers-client-secret = Secreto de cliente
providers-secret-hint = Se guarda sellado y no se vuelve a mostrar.
providers-secret-hint-again = Se guarda sellado y no se vuelve a mostrar: escríbalo de nuevo.
providers-register = Registrar proveedor
providers-domains-hint = Uno por línea, o separados por comas, por ejemplo example.org. Cada dominio pertenece a un solo proveedor.
providers-organization-hint = Las cuentas nuevas del personal creadas en su primer inicio de sesión se crean en ella.
providers-organization-hint-editing = Las cuentas nuevas del personal creadas en su primer inicio de sesión se crean en ella; las cuentas existentes se quedan donde están.
providers-require-local-mfa = Pedir siempre el segundo factor propio de Tessera
providers-amr-before = De lo contrario, se acepta un segundo factor que informe el proveedor (su
providers-amr-after = ), y Tessera pide el suyo solo cuando el proveedor no muestra ninguno.
providers-settings = Configuración
providers-settings-intro = Al guardar se reemplaza todo el conjunto de dominios de correo del personal. Los cambios rigen desde el próximo inicio de sesión con el proveedor; el personal con sesión iniciada la conserva.
providers-issuer-fixed = El emisor no se puede cambiar: las cuentas del personal vinculadas con este proveedor se conocen por él. Para usar otro emisor, registre un proveedor nuevo.
providers-new-secret-hint = Déjelo vacío para conservar el secreto actual, que nunca se muestra. Uno nuevo se guarda sellado.
providers-save = Guardar cambios
providers-done-registered = El proveedor quedó registrado: desde ahora sus dominios del personal inician sesión con él, y la página de inicio de sesión lo ofrece.
providers-done-disabled = El proveedor está deshabilitado: la página de inicio de sesión ya no lo ofrece y su personal no puede iniciar sesión con él hasta que se vuelva a habilitar.
providers-done-enabled = El proveedor está habilitado.
providers-done-changed = Se guardó la configuración del proveedor: rige desde el próximo inicio de sesión con él.

# The MFA rollout's deadline and reminders.
rollout-deadline-heading = Fecha límite y recordatorios
rollout-deadline-current = Se pide a todos terminar antes del final del { $day } (UTC). Los recordatorios se envían { $days } días antes.
rollout-deadline-reminder-sent = El recordatorio de { $days } días antes llegó a { $n ->
        [one] 1 persona
       *[other] { $n } personas
    } ({ $at }).
rollout-deadline-reminder-sending = El recordatorio de { $days } días antes se está enviando: { $n ->
        [one] 1 carta
       *[other] { $n } cartas
    } hasta ahora.
rollout-deadline-portal-wide = Su organización sigue la fecha límite del portal, el final del { $day } (UTC), hasta que fije una propia.
rollout-deadline-none = No hay fecha límite.
rollout-deadline-hint = Cada día de recordatorio, quien no haya terminado recibe una carta por la cola de correo con la fecha límite: un nuevo enlace de registro o, para las cuentas importadas, cómo iniciar sesión y configurar el segundo paso. Indique los días como números del 1 al 90, separados por comas (5 como máximo). Cambiar la fecha límite reinicia sus recordatorios.
rollout-deadline-day = Fecha límite (último día)
rollout-deadline-reminder-days = Recordatorios, en días antes de la fecha límite
rollout-deadline-set = Fijar la fecha límite
rollout-deadline-remove = Quitar la fecha límite
rollout-done-deadline-set = La fecha límite está fijada. Sus recordatorios se enviarán en sus días.
rollout-done-deadline-removed = La fecha límite se quitó: no se enviarán más recordatorios de ella.
rollout-deadline-problem-date = Indique la fecha límite como fecha (año-mes-día) dentro de los próximos dos años.
rollout-deadline-problem-past = La fecha límite debe ser un día posterior a hoy.
rollout-deadline-problem-days = Indique los días de recordatorio como números enteros del 1 al { $max }, separados por comas, { $count } como máximo, cada uno una vez (por ejemplo 7, 1).
# Problems of an import or bulk-create file, each on its line ("email: …" names the column).
# Column names and values of the file are literal placeables: code, not words of the language.
import-problem-on-line = línea { $line }: { $problem }
import-problem-more = { $n ->
    [one] y 1 línea más con problemas
   *[other] y { $count } líneas más con problemas
}
import-problem-field-count = tiene { $fields } campos, pero el encabezado tiene { $columns }; { $hint }
import-problem-hint-phc-commas = un hash Argon2 o PBKDF2 contiene comas, así que póngalo entre comillas dobles
import-problem-hint-quote = ponga entre comillas dobles los valores que contienen comas
import-problem-no-users = el archivo no tiene usuarios
import-problem-empty = el archivo está vacío; su primera línea debe nombrar las columnas { "email" }, { "display_name" } y { "password_hash" }
import-problem-column-twice = la columna { $name } aparece más de una vez
import-problem-column-missing = falta la columna obligatoria { $name }
import-problem-same-address = la misma dirección está en la línea { $line }
import-problem-organization-too-long = el nombre tiene más de { $max } caracteres
import-problem-role = debe ser { "user" } u { "org-admin" }
import-problem-not-utf8 = la línea no es UTF-8 válido; guarde el archivo como UTF-8
import-problem-unreadable-file = no se pudo leer el archivo: { $error }
import-problem-unreadable-line = no se pudo leer la línea: { $error }
import-problem-email-exists = ya existe una cuenta con la dirección de correo electrónico { $email }; quite la fila
import-problem-no-organization = no hay ninguna organización llamada { $name }; créela primero o corrija el nombre
import-problem-raced = una dirección del archivo se registró mientras se importaba; no se importó nada, así que vuelva a importar el archivo
legacy-hash-unknown = formato de hash de contraseña desconocido
legacy-hash-malformed = hash { $scheme } mal formado
legacy-hash-bad-encoding = la sal o el hash { $scheme } no es base64 válido
legacy-hash-bcrypt-cost = costo de bcrypt fuera de rango
legacy-hash-pbkdf2-iterations = número de iteraciones de PBKDF2 fuera de rango
legacy-hash-pbkdf2-length = longitud derivada de PBKDF2 fuera de rango
legacy-hash-argon2-params = los parámetros de Argon2 no son válidos o están fuera de rango

# An invitation refused (the console's form, the CLI, the API).
invitation-unknown-organization = No hay ninguna organización llamada { $name }. Créela primero con { "`tessera admin create-org --name NAME`" }.
invitation-already-registered = Ya existe una cuenta con esta dirección de correo electrónico. Si debe pertenecer a esta organización, pida ayuda a un administrador del sistema.

# Problems of registering an application (OpenID Connect client) or a protected application.
client-uri-not-absolute = { $uri } no es una URL absoluta (debe empezar con { "https://" }).
client-uri-fragment = { $uri } tiene un fragmento ({ "#…" }); una URI de redirección no debe tenerlo (RFC 6749, sección 3.1.2).
client-uri-not-https = { $uri } no es https. Solo las direcciones de bucle local ({ "127.0.0.1" }, { "localhost" }) pueden usar http, a menos que la URL pública de Tessera sea http.
client-uri-credentials = { $uri } lleva un nombre de usuario o una contraseña; quítelos.
client-problem-name = Dé un nombre a la aplicación (100 caracteres como máximo).
client-problem-no-redirect = Indique al menos una URI de redirección.
client-problem-several-backchannel = Indique como máximo una URI de cierre de sesión por canal secundario.
client-problem-several-start = Indique como máximo una URL de inicio.
clients-problem-own-organization = Solo puede registrar aplicaciones de su propia organización.
clients-problem-alg = { $alg } no es un algoritmo de token de ID con el que firme Tessera: use RS256 o ES256.
clients-problem-id-taken = Ese ID de cliente ya está en uso; vuelva a intentarlo.
clients-problem-public-no-secret = Un cliente público no tiene secreto que renovar: se identifica con PKCE. Si la aplicación puede guardar un secreto, regístrela de nuevo como cliente confidencial.
apps-problem-registered = Ya hay una aplicación registrada en { $origin }.
apps-problem-own-organization = Solo puede registrar aplicaciones para su propia organización.
# Problems of registering a staff sign-in provider ({ $why }: the provider's answer, as read).
providers-problem-registered = Ya está registrado un proveedor llamado { $name } o uno de los dominios { $domains }: cada dominio del personal pertenece a un solo proveedor.
providers-problem-discovery = No se pudo leer el documento de descubrimiento del proveedor en { $url } ({ $why }). Revise la URL del emisor y que Tessera pueda llegar al proveedor, y vuelva a intentarlo.
providers-problem-issuer-fixed = El emisor no se puede cambiar (sigue siendo { $issuer }): las cuentas del personal vinculadas a través de este proveedor se conocen por él. Para usar otro emisor, registre un proveedor nuevo.

# Bulk create's own problems (the file's are import-problem-*).
bulk-problem-rows = { $n } fila(s) no son válidas; no se creó a nadie
bulk-problem-own-organization = solo puede invitar a su propia organización, no a { $name }
bulk-problem-no-organization = no hay ninguna organización llamada { $name }
bulk-problem-org-admin-role = solo los administradores del sistema nombran administradores de organización
bulk-problem-email-exists = ya existe una cuenta con { $email }
bulk-problem-raced = una dirección del archivo se registró mientras tanto; no se creó a nadie; vuelva a intentarlo
