// The container's health check: exits 0 when GET <path> on this container's
// PORT returns 2xx within 2 s, else 1. The path is /healthz (the process is
// up) unless given, such as /readyz in docker-compose.yml. It connects to
// 127.0.0.1, so HOST must be 0.0.0.0 (the image's default) or 127.0.0.1.
const port = process.env.PORT || '3000'
const path = process.argv[2] || '/healthz'
const controller = new AbortController()
setTimeout(() => controller.abort(), 2000).unref()
fetch(`http://127.0.0.1:${port}${path}`, { signal: controller.signal }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
)
