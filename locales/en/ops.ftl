# What the portal says when its database is away (docs/operations.md, "When the database is away").

error-page-unavailable-title = The portal cannot reach its records
error-page-unavailable = The portal cannot reach its records right now, so nothing was changed. Wait a minute, then try again. If it keeps happening, tell your Portal Administrator the operation id below.
