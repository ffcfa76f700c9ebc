# Las palabras del resumen de errores y del contador del código, que el registro, la recuperación
# y la cuenta comparten con las páginas de inicio de sesión (véase locales/en/shared-with-sign-in.ftl).

error-summary-title = Hay un problema
error-summary-go-to-field = Ir al campo que debe corregir
code-timer-prefix = Vence en
code-timer-expires-in = Vence en { $time }.
code-timer-announce-prefix = Su código vence en
countdown-one-second = 1 segundo
countdown-seconds = segundos
countdown-minutes = minutos
