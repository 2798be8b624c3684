// One config for every suite: unit, providers (fake servers), module and HTTP tests against a real
// Postgres, and browser tests of the admin extensions.
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
  // The demo store built for the browser tests and the benches carries a copy of its package.json.
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/.medusa/", "<rootDir>/examples/demo-store/.medusa/"],
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
    // The demo's process handling, with real child processes.
    { ...base, displayName: "scripts", testMatch: ["<rootDir>/integration-tests/scripts/**/*.spec.ts"] },
    // The admin extensions in Chromium, against the demo store built and started as a store runs.
    { ...base, displayName: "browser", testMatch: ["<rootDir>/integration-tests/browser/**/*.spec.ts"] },
  ],
}
