"""pytest plugin for the Cloudflare KV/D1 emulator (fixtures arrive with the plugin issue)."""
