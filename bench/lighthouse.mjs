// Lighthouse (mobile preset, simulated throttling) over the app's pages, driven through
// puppeteer-core in Debian's Chromium (CHROME_PATH). Called by bench/lighthouse.py, which starts
// the server and reads the summary this writes.
//
//   BOOKING_PATH=/bookings/VA-...?token=... node bench/lighthouse.mjs BASE_URL ITINERARY_SLUG OUT_DIR
//
// (the booking's token link in the environment, not on a command line that errors print)
//
// Every page is a cold navigation (cache and storage cleared first), as the CLI measures it. The
// booking form has no URL of its own: it is the itinerary page after a tap on a date's slot, so it
// is measured as that interaction (a timespan: layout shifts and blocking time during the tap)
// followed by a snapshot of the page with the form open (accessibility, best practices).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFlow } from "lighthouse";
import puppeteer from "puppeteer-core";

const [base, slug, outDir] = process.argv.slice(2);
const bookingPath = process.env.BOOKING_PATH;
const cold = { disableStorageReset: false };

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const flow = await startFlow(page, { name: "Voyages apprenants on a phone" });
  await flow.navigate(`${base}/`, { name: "home", ...cold });
  await flow.navigate(`${base}/itineraries/${slug}`, { name: "itinerary", ...cold });
  // The booking form: tap the first bookable slot of the calendar.
  await page.waitForSelector("button.slot:not([disabled])");
  await flow.startTimespan({ name: "booking form (tap on a slot)" });
  // Lighthouse counts every layout shift of a step's first 500 ms, even one caused by input
  // (its work-around for a Chromium bug, core/computed/metrics/cumulative-layout-shift.js): a
  // tap at once would have the form's own appearance counted as an unexpected shift.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await page.click("button.slot:not([disabled])");
  await page.waitForSelector("#booking-slot form");
  await new Promise((resolve) => setTimeout(resolve, 500));
  await flow.endTimespan();
  await flow.snapshot({ name: "booking form" });
  await flow.navigate(`${base}${bookingPath}`, { name: "booking page", ...cold });
  await flow.navigate(`${base}/map`, { name: "map", ...cold });

  const result = await flow.createFlowResult();
  writeFileSync(join(outDir, "flow.html"), await flow.generateReport());
  const steps = result.steps.map((step) => {
    const lhr = step.lhr;
    const scores = {};
    for (const [id, category] of Object.entries(lhr.categories)) scores[id] = category.score;
    const failing = Object.values(lhr.audits)
      .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== "informative")
      .map((audit) => ({
        id: audit.id, title: audit.title, score: audit.score, value: audit.displayValue || "",
        // What it points at (the first few elements or URLs), to read the cause from the summary.
        items: (Array.isArray(audit.details?.items) ? audit.details.items : []).slice(0, 5).map((item) => item.node?.selector || item.node?.snippet || item.url || item.label || item.source?.url || JSON.stringify(item).slice(0, 200)),
      }));
    const lcp = lhr.audits["largest-contentful-paint"];
    return {
      name: step.name,
      mode: lhr.gatherMode,
      url: lhr.finalDisplayedUrl,
      form_factor: lhr.configSettings.formFactor,
      throttling: lhr.configSettings.throttlingMethod,
      scores,
      lcp_ms: lcp && lcp.numericValue !== undefined ? Math.round(lcp.numericValue) : null,
      failing,
    };
  });
  writeFileSync(join(outDir, "steps.json"), JSON.stringify({ lighthouse: result.steps[0].lhr.lighthouseVersion, steps }, null, 2));
} finally {
  await browser.close();
}
