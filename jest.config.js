// Three suites, one config: pure unit tests, module tests and HTTP tests against a real Postgres.
const transform = {
  "^.+\\.[jt]sx?$": [
    "@swc/jest",
    {
      jsc: {
        parser: { syntax: "typescript", decorators: true },
        target: "es2021",
      },
    },
  ],
}

const base = {
  transform,
  testEnvironment: "node",
  moduleFileExtensions: ["js", "ts", "json"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/.medusa/"],
}

module.exports = {
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/src/**/__tests__/**/*.unit.spec.ts"] },
    // The real SendGrid and Twilio SDKs against the in-repo fake servers.
    { ...base, displayName: "providers", testMatch: ["<rootDir>/integration-tests/providers/**/*.spec.ts"] },
    {
      ...base,
      displayName: "integration:modules",
      testMatch: ["<rootDir>/integration-tests/modules/**/*.spec.ts"],
      setupFiles: ["<rootDir>/integration-tests/setup.js"],
    },
    {
      ...base,
      displayName: "integration:http",
      testMatch: ["<rootDir>/integration-tests/http/**/*.spec.ts"],
      setupFiles: ["<rootDir>/integration-tests/setup.js"],
    },
  ],
}
