import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** docker-compose.yml is checked by docker-compose itself (no engine needed for `config`). */
describe("docker-compose.yml", () => {
  it("is valid and runs PostgreSQL 17, NATS with JetStream, the app and a worker, wired together", () => {
    const config = execFileSync("docker-compose", ["-f", "docker-compose.yml", "config"], {
      encoding: "utf8",
      env: {
        ...process.env,
        EXOARMUR_ADMIN_TOKEN: "test-token",
        BETTER_AUTH_SECRET: "s3cret",
        POSTGRES_PASSWORD: "pw",
      },
    });
    expect(config).toContain("image: postgres:17");
    expect(config).toContain("image: nats:2.9");
    expect(config).toMatch(/- -js/);
    expect(config).toContain("DATABASE_URL: postgresql://exoarmur:pw@postgres:5432/exoarmur");
    expect(config).toContain("NATS_URL: nats://nats:4222");
    expect(config).toMatch(/worker:\n/);
    expect(config).toContain("BETTER_AUTH_SECRET: s3cret");
  });

  it("refuses to start without a session secret (replicas must share one)", () => {
    expect(() =>
      execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
        encoding: "utf8",
        stdio: "pipe",
        env: { ...process.env, EXOARMUR_ADMIN_TOKEN: "t", BETTER_AUTH_SECRET: "" },
      }),
    ).toThrow(/BETTER_AUTH_SECRET/);
  });

  it("refuses to start without the key that encrypts secrets at rest (replicas and workers share one)", () => {
    expect(() =>
      execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
        encoding: "utf8",
        stdio: "pipe",
        env: { ...process.env, EXOARMUR_ADMIN_TOKEN: "t", BETTER_AUTH_SECRET: "s", EXOARMUR_SECRET_KEY: "" },
      }),
    ).toThrow(/EXOARMUR_SECRET_KEY/);
  });

  it("refuses to start without an admin token", () => {
    expect(() =>
      execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
        encoding: "utf8",
        stdio: "pipe",
        env: { ...process.env, EXOARMUR_ADMIN_TOKEN: "" },
      }),
    ).toThrow(/EXOARMUR_ADMIN_TOKEN/);
  });
});
