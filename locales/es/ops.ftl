# Lo que dice el portal cuando su base de datos no responde (docs/operations.md, "When the database is away").

error-page-unavailable-title = El portal no puede acceder a sus registros
error-page-unavailable = El portal no puede acceder a sus registros en este momento, así que no se cambió nada. Espere un minuto y vuelva a intentarlo. Si sigue pasando, dé a su administrador del portal el identificador de la operación que aparece abajo.
