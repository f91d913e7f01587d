// Drives the real host with the TypeScript client generated from its own /openapi/v1.json (@hey-api/openapi-ts).
// Authentication goes through the client's own `auth` option, so the document's security scheme must be right.
// Anything the contract promises and the host does not keep (a status, a header, a field) fails an assertion here;
// anything renamed in the document fails `tsc` before this runs. Started by ContractTests (xunit) with:
//   GCM_BASE_URL  the host, e.g. http://127.0.0.1:41234
//   GCM_HOST_DLL  GcmActors.Host.dll, to mint a token with its `token` command
//   GCM_DATA_DIR  the host's data directory (its signing key)
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { createClient } from "./generated/client";
import { getRegionProgress, getReview, getReviewHistory, recordMilestone } from "./generated/sdk.gen";

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
}

const baseUrl = env("GCM_BASE_URL");
const cycle = "2020";

function mint(role: string, scope: string): string {
  return execFileSync("dotnet", [env("GCM_HOST_DLL"), "token", "--role", role, "--scope", scope, `--Gcm:DataDirectory=${env("GCM_DATA_DIR")}`], {
    encoding: "utf8",
  }).trim();
}

function problemType(error: unknown): string | undefined {
  return (error as { type?: string } | undefined)?.type;
}

async function main(): Promise<void> {
  const anonymous = createClient({ baseUrl });

  // A region: 200 with an ETag, then 304 for that ETag.
  const region = await getRegionProgress({ client: anonymous, path: { cycle, region: "arab" } });
  assert.equal(region.response.status, 200);
  assert.ok(region.data, "the region document");
  assert.ok(region.data.members.some((m) => m.country === "LBN"), "LBN is a member of the seeded round");
  assert.equal(typeof region.data.version, "number");
  const regionTag = region.response.headers.get("etag");
  assert.ok(regionTag, "GET region carries an ETag");
  const unchanged = await getRegionProgress({ client: anonymous, path: { cycle, region: "arab" }, headers: { "If-None-Match": regionTag } });
  assert.equal(unchanged.response.status, 304);

  // Writes need a token: without one, 401 problem.
  const refused = await recordMilestone({ client: anonymous, path: { cycle, country: "LBN", milestone: "data-collected" }, body: { status: "completed" } });
  assert.equal(refused.response.status, 401);
  assert.equal(problemType(refused.error), "urn:gcm-actors:problem:unauthorized");

  // The ministry's token, through the client's own auth option.
  const token = mint("ministry", "LBN");
  const ministry = createClient({ baseUrl, auth: () => token });

  const before = await getReview({ client: ministry, path: { cycle, country: "LBN" } });
  assert.equal(before.response.status, 200);
  assert.ok(before.data);
  assert.equal(before.data.milestones["data-collected"]?.status, "in-progress");
  const staleTag = before.response.headers.get("etag");
  assert.equal(staleTag, `"${before.data.version}"`);

  // 409: approval before data collection is complete.
  const early = await recordMilestone({ client: ministry, path: { cycle, country: "LBN", milestone: "approved" }, body: { status: "completed" } });
  assert.equal(early.response.status, 409);
  assert.equal(problemType(early.error), "urn:gcm-actors:problem:workflow-rule");

  // 200: data collection complete, conditional on the version just read.
  const recorded = await recordMilestone({
    client: ministry,
    path: { cycle, country: "LBN", milestone: "data-collected" },
    headers: { "If-Match": staleTag! },
    body: { status: "completed", note: "All contributions in", objectives: [1, 3, 7] },
  });
  assert.equal(recorded.response.status, 200);
  assert.ok(recorded.data);
  assert.equal(recorded.data.milestones["data-collected"]?.status, "completed");
  assert.equal(recorded.data.version, before.data.version + 1);
  assert.equal(recorded.response.headers.get("etag"), `"${recorded.data.version}"`);

  // 412: the same If-Match again is now stale.
  const stale = await recordMilestone({
    client: ministry,
    path: { cycle, country: "LBN", milestone: "approved" },
    headers: { "If-Match": staleTag! },
    body: { status: "in-progress" },
  });
  assert.equal(stale.response.status, 412);
  assert.equal(problemType(stale.error), "urn:gcm-actors:problem:version-mismatch");

  // 404: a State with no review in this cycle.
  const missing = await getReview({ client: ministry, path: { cycle, country: "FRA" } });
  assert.equal(missing.response.status, 404);
  assert.equal(problemType(missing.error), "urn:gcm-actors:problem:not-found");

  // The audit trail ends with the change just made.
  const history = await getReviewHistory({ client: ministry, path: { cycle, country: "LBN" } });
  assert.equal(history.response.status, 200);
  assert.ok(history.data);
  const entries = history.data.filter((e) => e.version === recorded.data!.version);
  assert.ok(entries.length > 0, "the change is in the audit trail");
  assert.ok(entries.every((e) => e.actor === "ministry:LBN"));
  assert.ok(entries.some((e) => e.field.includes("data-collected") && e.to === "completed"), JSON.stringify(entries));

  // One entry per page: a Link to the next page, which starts after this entry's sequence.
  const first = await getReviewHistory({ client: ministry, path: { cycle, country: "LBN" }, query: { limit: 1 } });
  assert.equal(first.response.status, 200);
  assert.equal(first.data?.length, 1);
  const sequence = first.data[0]!.sequence;
  assert.match(first.response.headers.get("link") ?? "", new RegExp(`[?&]after=${sequence}\\b.*>; rel="next"$`));
  const second = await getReviewHistory({ client: ministry, path: { cycle, country: "LBN" }, query: { limit: 1, after: sequence } });
  assert.equal(second.response.status, 200);
  assert.ok(second.data?.[0] && second.data[0].sequence > sequence);
  const badPage = await getReviewHistory({ client: ministry, path: { cycle, country: "LBN" }, query: { limit: 0 } });
  assert.equal(badPage.response.status, 400);

  console.log("generated client: 12 exchanges as the contract says");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
