// The image's HEALTHCHECK: exits 0 when GET /healthz answers 2xx within 2 s.
const port = process.env.PORT || '3000'
const controller = new AbortController()
setTimeout(() => controller.abort(), 2000).unref()
fetch(`http://127.0.0.1:${port}/healthz`, { signal: controller.signal }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
)
