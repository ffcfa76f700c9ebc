# Lo que muestra cada página: la cabecera, el pie, el selector de idioma; y los plazos.

portal-tagline = Acceso seguro al portal
skip-to-content = Ir al contenido
error-prefix = Error:
footer-help = Ayuda con la autenticación multifactor
footer-support = ¿Necesita ayuda? Comuníquese con { $contact }.
footer-notice = El acceso a este portal está restringido a usuarios autorizados. La actividad queda registrada.
language-switch = Idioma

duration-seconds = { $n ->
    [one] 1 segundo
   *[other] { $n } segundos
}
duration-minutes = { $n ->
    [one] 1 minuto
   *[other] { $n } minutos
}
duration-hours = { $n ->
    [one] 1 hora
   *[other] { $n } horas
}
duration-days = { $n ->
    [one] 1 día
   *[other] { $n } días
}
