from migrator_scheduler import service_backend

# Only registers a hook: oslo.service resolves it the first time a backend
# is needed, unless an entry point selected one explicitly before.
service_backend.register_default()
