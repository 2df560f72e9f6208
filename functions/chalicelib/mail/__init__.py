"""Outgoing mail: an adapter beside `db` and `esia`. `message` builds a header-safe message,
`render` fills the Jinja2 templates (one folder, `templates/`), `mailer` sends it (SES v2 —
also Yandex Cloud Postbox, which speaks the same API — or SMTP)."""
