package dev.photosidecar.http.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.support.BrowserTest;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin status page in a real headless Chromium: a day of uploads from four phones (some failed, one waiting
 * for its next attempt), then sign in, compare every number on the page with the device API and the ledger, take
 * the screenshots, click Retry on a failed job after removing what made it fail and watch it move on, watch the
 * page refresh by itself, and cancel the last failed job from the page.
 *
 * <p>Screenshots go to {@code target/screenshots/}: {@code admin-status.png} (1280×900), {@code admin-status-phone.png}
 * (390×844 CSS pixels at 2×), full-page ({@code -full}) and dark ({@code admin-status-dark.png}) variants, the page
 * after the retry and the cancel ({@code admin-status-after.png}), and the sign-in form ({@code admin-login.png}).
 */
@BrowserTest
class AdminStatusPageBrowserTest {
    static final String ADMIN = "admin-token-for-the-browser-test";
    static final Path TARGET = Path.of(System.getProperty("project.basedir", ".")).resolve("target");
    static final Path SHOTS = TARGET.resolve("screenshots");
    /**
     * Each section body of the page in a canonical form: tags, sorted attributes and text with runs of white space
     * collapsed, leaving out what legitimately differs between the server's rendering and the script's (times,
     * which the script shows in the browser's zone and which age between two renderings).
     */
    /**
     * The spool's free space in the health section, read live at each rendering: other processes on the machine write
     * to the same disk between the server's rendering and the script's (CI met 78 against 76 GiB).
     */
    private static final Pattern FREE_SPACE = Pattern.compile("\\d+(\\.\\d+)? (B|KiB|MiB|GiB|TiB) free");

    static final String CANONICAL_SECTIONS = """
            function canon(n) {
              if (n.nodeType === 3) return n.nodeValue;
              if (n.nodeType !== 1) return '';
              var tag = n.localName;
              if (tag === 'time' || tag === 'title') return '<' + tag + '/>';
              var attrs = n.getAttributeNames().filter(function (a) { return a !== 'title' && a !== 'datetime'; }).sort()
                .map(function (a) { return a + '="' + n.getAttribute(a) + '"'; }).join(' ');
              var inner = '';
              n.childNodes.forEach(function (c) { inner += canon(c); });
              return '<' + tag + (attrs ? ' ' + attrs : '') + '>' + inner + '</' + tag + '>';
            }
            var out = {};
            document.querySelectorAll('[data-body]').forEach(function (b) {
              out[b.getAttribute('data-body')] = canon(b).replace(/\\s+/g, ' ').replace(/> </g, '><').trim();
            });
            return out;
            """;
    static final List<String> STATES = List.of("pending", "delivering", "succeeded", "failed", "acknowledged", "cancelled",
            "receiving");
    /** Minutes before now at which a batch of photos arrives: a day of them, denser in the last hour. */
    static final int[] BATCHES = {1320, 1262, 1190, 1105, 1010, 955, 880, 790, 700, 610, 545, 470, 400, 335, 260, 200, 150,
            100, 75, 57, 53, 49, 45, 40, 36, 31, 27, 24, 20, 16, 13, 9, 6, 3, 1};

    @TempDir
    Path data;
    @TempDir
    Path browserHome;

    TestSidecar sidecar;
    ChromeDriver driver;
    final Map<String, String> tokens = new LinkedHashMap<>();
    final Random random = new Random(20261121);
    final List<String> timings = new ArrayList<>();
    int photo = 4000;

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (sidecar != null) {
            sidecar.close();
        }
        timings.forEach(t -> System.out.println("[admin browser test] " + t));
    }

    /** The jobs of the day that the test acts on, and the file that makes alice's 2023 photos fail. */
    record Day(Path blocker, String retried, String cancelled, String waiting) {
    }

    /** One browser session walks through the page; each step starts from where the one before left the page. */
    @Test
    void theStatusPageShowsTheLedgerRetriesAFailedJobAndRefreshesItself() throws Exception {
        long t0 = System.nanoTime();
        Chromium.ensureInstalled();
        timings.add("chromium ready: " + ms(t0) + " ms");
        Day day = aDayOfUploads();
        String base = signIn();
        theNumbersOnThePageAreTheLedgers(day);
        takeScreenshots();
        theScriptRendersWhatTheServerRendered();
        long succeededBefore = retryFromThePage(day);
        thePageRefreshesByItself(day, succeededBefore);
        cancelFromThePage(day);
        signOut(base);
        timings.add("whole test: " + ms(t0) + " ms");
    }

    // ---- the steps ---------------------------------------------------------------------------------------------

    /** Four phones upload for a day; three of alice's 2023 photos fail, one waits, carol's phone is revoked. */
    private Day aDayOfUploads() throws Exception {
        long t1 = System.nanoTime();
        ShiftedClock clock = new ShiftedClock(Duration.ofMinutes(-BATCHES[0] - 5));
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_ADMIN_TOKEN", ADMIN, "SIDECAR_MAX_ATTEMPTS", "2",
                "SIDECAR_RETRY_INITIAL_DELAY", "1h", "SIDECAR_RETRY_MAX_DELAY", "2h"), clock);
        tokens.put("alice", sidecar.enroll("alice", "Alice's iPhone"));
        tokens.put("bob", sidecar.enroll("bob", "Bob's Pixel 9"));
        tokens.put("family", sidecar.enroll("family", "Mum & Dad's iPad"));
        tokens.put("carol", sidecar.enroll("carol", "Carol's old phone"));
        // A file where alice's 2023 folder must go: her photos taken in 2023 cannot be delivered until it is gone.
        Path blocker = sidecar.library("alice").resolve("Photos").resolve("2023");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "not a folder");

        List<String> failing = new ArrayList<>();
        String waiting = null;
        for (int minutes : BATCHES) {
            clock.shiftTo(Duration.ofMinutes(-minutes));
            if (minutes == 200) {
                // Three photos from 2023: the first attempt fails, the second (an hour later) gives up.
                failing.add(upload("alice", "cafe", "Café & <Friends>.jpg", "2023-07-14T18:30:00Z", 1_800_000));
                failing.add(upload("alice", "img-2023-0417", "IMG_2023_0417.HEIC", "2023-04-17T09:12:00Z", 2_400_000));
                failing.add(upload("alice", "img-2023-0418", "IMG_2023_0418.HEIC", "2023-04-18T09:15:00Z", 2_100_000));
                for (String id : failing) {
                    awaitJob("alice", id, j -> j.path("state").asText().equals("pending") && j.path("attempts").asInt() == 1);
                }
            }
            if (minutes == 100) {
                for (String id : failing) {
                    awaitJob("alice", id, j -> j.path("state").asText().equals("failed"));
                }
            }
            if (minutes == 31) {
                // One more from 2023: it waits for its second attempt, due in about half an hour.
                waiting = upload("alice", "img-2023-0502", "IMG_2023_0502.MOV", "2023-05-02T16:40:00Z", 4_200_000);
                String w = waiting;
                awaitJob("alice", w, j -> j.path("state").asText().equals("pending") && j.path("attempts").asInt() == 1);
            }
            if (minutes == 610) {
                String id = upload("carol", "carol-last", "IMG_0912.HEIC", "2024-06-01T12:00:00Z", 2_000_000);
                awaitJob("carol", id, j -> j.path("state").asText().equals("succeeded"));
            }
            if (minutes == 545) {
                sidecar.app().devices().revoke(sidecar.app().devices().list().stream()
                        .filter(d -> d.userId().equals("carol")).findFirst().orElseThrow().id());
                tokens.remove("carol");
            }
            batch(minutes);
        }
        clock.shiftTo(Duration.ZERO);
        // Phones acknowledge what they have seen: bob everything but his last two, family its oldest.
        List<String> bobDone = ids("bob", "succeeded");
        assertThat(http("bob", "POST", "/v1/jobs/acknowledge", "{\"ids\":[\"" + String.join("\",\"", bobDone.subList(2,
                bobDone.size())) + "\"]}").status()).isEqualTo(200);
        List<String> familyDone = ids("family", "succeeded");
        assertThat(http("family", "POST", "/v1/jobs/" + familyDone.get(familyDone.size() - 1) + "/acknowledge", null).status())
                .isEqualTo(200);
        // Alice gives up on one of her failed photos.
        assertThat(http("alice", "DELETE", "/v1/jobs/" + failing.get(2), null).status()).isEqualTo(200);
        String retried = failing.get(0);
        String cancelled = failing.get(1);
        timings.add("a day of uploads (" + sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum()
                + " jobs): " + ms(t1) + " ms");
        return new Day(blocker, retried, cancelled, waiting);
    }

    /** A wrong token is refused, the admin token opens the page. */
    private String signIn() {
        long t2 = System.nanoTime();
        driver = Chromium.start(browserHome.resolve("profile"), browserHome.resolve("chromedriver.log"));
        timings.add("browser start: " + ms(t2) + " ms");
        long t3 = System.nanoTime();
        Chromium.viewport(driver, 1280, 900, 1, false, "light");
        String base = "http://127.0.0.1:" + sidecar.port();
        driver.get(base + "/admin");
        waitFor(10, d -> d.getCurrentUrl().endsWith("/admin/login"));
        driver.findElement(By.id("token")).sendKeys("not-the-token");
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        waitFor(10, d -> text(By.id("login-error")).contains("not the admin token"));
        Chromium.screenshot(driver, SHOTS.resolve("admin-login.png"));
        driver.findElement(By.id("token")).sendKeys(ADMIN);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        waitFor(10, d -> d.getCurrentUrl().equals(base + "/admin") && present(By.cssSelector("[data-count=succeeded]")));
        timings.add("sign in: " + ms(t3) + " ms");
        return base;
    }

    /** Every number on the page against the device API, status.json and the ledger. */
    private void theNumbersOnThePageAreTheLedgers(Day day) {
        long t3 = System.nanoTime();
        Map<String, Long> expected = apiCounts();
        Map<String, Long> ledger = new TreeMap<>();
        sidecar.app().ledger().countByState().forEach((s, n) -> ledger.put(s.wire(), n));
        assertThat(expected).as("the device API (and carol's revoked phone from the ledger)").isEqualTo(ledger);
        assertThat(expected.get("succeeded")).isGreaterThan(20);
        assertThat(expected.get("failed")).isEqualTo(2);
        assertThat(expected.get("pending")).isEqualTo(1);
        assertThat(expected.get("cancelled")).isEqualTo(1);
        assertThat(expected.get("acknowledged")).isGreaterThan(2);
        assertThat(pageCounts()).as("the counts on the page").isEqualTo(expected);

        JsonNode status = sidecar.http().get("/admin/status.json", ADMIN).json();
        for (String s : STATES) {
            assertThat(status.path("counts").path(s).asLong()).as("status.json " + s).isEqualTo(expected.get(s));
        }
        assertThat(text(By.cssSelector("[data-total]"))).isEqualTo(ledger.values().stream().mapToLong(Long::longValue).sum() + " jobs");
        assertThat(text(By.cssSelector("[data-failed-total]"))).isEqualTo("2");
        assertThat(failedOnPage()).containsExactlyInAnyOrder(day.retried(), day.cancelled());
        assertThat(text(By.cssSelector("li[data-job-id='" + day.retried() + "'] .filename"))).as("shown as text, not markup")
                .isEqualTo("Café & <Friends>.jpg");
        assertThat(text(By.cssSelector("li[data-job-id='" + day.retried() + "'] .job-error"))).contains("gave up after 2 attempts");
        assertThat(driver.findElement(By.cssSelector("[data-oldest]")).getAttribute("data-oldest")).isEqualTo(day.waiting());
        assertThat(text(By.cssSelector("[data-oldest] .job-meta"))).contains("next in ");
        for (String check : List.of("database", "spool", "target", "breaker")) {
            assertThat(driver.findElement(By.cssSelector("li[data-check=" + check + "]")).getAttribute("class")).as(check)
                    .contains("ok");
        }
        assertThat(text(By.cssSelector("li[data-check=breaker] .state"))).isEqualTo("running");

        long hourJobs = status.path("lastHour").path("jobs").asLong();
        long dayJobs = status.path("lastDay").path("jobs").asLong();
        assertThat(hourJobs).isPositive();
        assertThat(dayJobs).isGreaterThan(hourJobs);
        assertThat(text(By.cssSelector("[data-delivered=hour]"))).isEqualTo(String.valueOf(hourJobs));
        assertThat(text(By.cssSelector("[data-delivered=day]"))).isEqualTo(String.valueOf(dayJobs));
        assertThat(driver.findElements(By.cssSelector("[data-chart=hour] rect.bar"))).hasSize(nonEmpty(status.path("lastHour")));
        assertThat(driver.findElements(By.cssSelector("[data-chart=day] rect.bar"))).hasSize(nonEmpty(status.path("lastDay")));
        assertThat(deliveredSince(status.path("lastHour").path("from").asText())).isEqualTo(hourJobs);

        for (JsonNode d : status.path("devices")) {
            String row = "tr[data-device='" + d.path("id").asText() + "']";
            assertThat(text(By.cssSelector(row + " [data-uploads]"))).isEqualTo(d.path("uploads").asText());
            assertThat(text(By.cssSelector(row + " [data-failed]"))).isEqualTo(d.path("failed").asText());
        }
        Map<String, Long> aliceByState = deviceCounts("alice");
        assertThat(text(By.cssSelector("tr[data-user=alice] [data-uploads]")))
                .isEqualTo(String.valueOf(aliceByState.values().stream().mapToLong(Long::longValue).sum()));
        assertThat(text(By.cssSelector("tr[data-user=alice] [data-failed]"))).isEqualTo("2");
        assertThat(driver.findElements(By.cssSelector("tr.revoked"))).hasSize(1);
        timings.add("check the numbers: " + ms(t3) + " ms");
    }

    private void takeScreenshots() {
        long t4 = System.nanoTime();
        Chromium.screenshot(driver, SHOTS.resolve("admin-status.png"));
        Chromium.fullPage(driver, SHOTS.resolve("admin-status-full.png"));
        Chromium.viewport(driver, 390, 844, 2, true, "light");
        waitFor(5, d -> ((Number) driver.executeScript("return document.documentElement.clientWidth")).intValue() == 390);
        assertThat(((Number) driver.executeScript("return document.documentElement.scrollWidth")).intValue())
                .as("nothing sticks out sideways on a phone").isLessThanOrEqualTo(390);
        Chromium.screenshot(driver, SHOTS.resolve("admin-status-phone.png"));
        Chromium.fullPage(driver, SHOTS.resolve("admin-status-phone-full.png"));
        Chromium.viewport(driver, 1280, 900, 1, false, "dark");
        Chromium.fullPage(driver, SHOTS.resolve("admin-status-dark.png"));
        Chromium.viewport(driver, 1280, 900, 1, false, "light");
        timings.add("screenshots: " + ms(t4) + " ms");
    }

    /** The first refresh by admin.js renders each section as the server did. */
    private void theScriptRendersWhatTheServerRendered() {
        long t45 = System.nanoTime();
        @SuppressWarnings("unchecked")
        Map<String, String> served = (Map<String, String>) driver.executeScript(CANONICAL_SECTIONS);
        String servedAt = driver.findElement(By.id("generated")).getAttribute("datetime");
        assertThat(refreshes()).as("no refresh yet").isZero();
        waitFor(AdminStatus.REFRESH_SECONDS + 5, d -> refreshes() >= 1);
        @SuppressWarnings("unchecked")
        Map<String, String> rendered = (Map<String, String>) driver.executeScript(CANONICAL_SECTIONS);
        String renderedAt = driver.findElement(By.id("status")).getAttribute("data-generated-at");
        assertThat(rendered.keySet()).containsExactlyInAnyOrder("queue", "health", "failed", "throughput", "users", "devices");
        boolean sameMinute = Instant.parse(servedAt).getEpochSecond() / 60 == Instant.parse(renderedAt).getEpochSecond() / 60;
        for (String section : rendered.keySet()) {
            if (section.equals("throughput") && !sameMinute) {
                continue; // the minute buckets moved on between the two renderings
            }
            String byScript = rendered.get(section);
            String byServer = served.get(section);
            if (section.equals("health")) {
                assertThat(FREE_SPACE.matcher(byScript).results().count()).as("the script's free-space figure").isEqualTo(1);
                assertThat(FREE_SPACE.matcher(byServer).results().count()).as("the server's free-space figure").isEqualTo(1);
                byScript = FREE_SPACE.matcher(byScript).replaceAll("(free space) free");
                byServer = FREE_SPACE.matcher(byServer).replaceAll("(free space) free");
            }
            assertThat(byScript).as("the " + section + " section, rendered by admin.js").isEqualTo(byServer);
        }
        assertThat(driver.findElement(By.id("status")).getText()).doesNotContain("null").doesNotContain("undefined")
                .doesNotContain("NaN");
        timings.add("wait for the first refresh and compare the script's rendering" + (sameMinute ? "" : " (not the charts)")
                + ": " + ms(t45) + " ms");
    }

    /** Retry on a failed job, once what made it fail is gone: it is delivered, and the page says so. */
    private long retryFromThePage(Day day) throws Exception {
        long t5 = System.nanoTime();
        Files.delete(day.blocker());
        long succeededBefore = pageCount("succeeded");
        click(By.cssSelector("form[data-action=retry][data-job='" + day.retried() + "'] button"));
        waitFor(30, d -> !failedOnPage().contains(day.retried()) && pageCount("succeeded") == succeededBefore + 1);
        JsonNode job = http("alice", "GET", "/v1/jobs/" + day.retried(), null).json();
        assertThat(job.path("state").asText()).isEqualTo("succeeded");
        assertThat(job.path("attempts").asInt()).as("attempts were reset by the retry").isEqualTo(1);
        assertThat(sidecar.library("alice").resolve(job.path("remotePath").asText())).exists();
        assertThat(pageCount("failed")).isEqualTo(1);
        assertThat(text(By.cssSelector("[data-failed-total]"))).isEqualTo("1");
        timings.add("retry click until the page shows it delivered: " + ms(t5) + " ms");
        return succeededBefore;
    }

    /** A change made through the API shows on the page by its own timer. */
    private void thePageRefreshesByItself(Day day, long succeededBefore) {
        // After an action the page refreshes a few times in quick succession; wait until it is back to its
        // ten-second rhythm, so that what follows is seen by the timer alone.
        long[] seen = {refreshes(), System.nanoTime()};
        waitFor(20, d -> {
            long n = refreshes();
            if (n != seen[0]) {
                seen[0] = n;
                seen[1] = System.nanoTime();
            }
            return System.nanoTime() - seen[1] > 3_000_000_000L;
        });
        long t6 = System.nanoTime();
        long refreshesBefore = refreshes();
        long acknowledgedBefore = pageCount("acknowledged");
        assertThat(http("alice", "POST", "/v1/jobs/" + day.retried() + "/acknowledge", null).status()).isEqualTo(200);
        waitFor(AdminStatus.REFRESH_SECONDS * 2 + 5, d -> pageCount("acknowledged") == acknowledgedBefore + 1
                && pageCount("succeeded") == succeededBefore);
        assertThat(refreshes()).as("seen by the page's own timer").isGreaterThan(refreshesBefore);
        timings.add("an acknowledge through the API until the page shows it: " + ms(t6) + " ms");
    }

    /** Cancel the last failed job from the page, after the confirmation. */
    private void cancelFromThePage(Day day) {
        long t7 = System.nanoTime();
        long cancelledBefore = pageCount("cancelled");
        click(By.cssSelector("form[data-action=cancel][data-job='" + day.cancelled() + "'] button"));
        Alert confirm = new WebDriverWait(driver, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent());
        assertThat(confirm.getText()).contains("IMG_2023_0417.HEIC");
        confirm.accept();
        waitFor(15, d -> failedOnPage().isEmpty() && pageCount("cancelled") == cancelledBefore + 1
                && present(By.cssSelector("[data-body=failed] .empty")));
        assertThat(http("alice", "GET", "/v1/jobs/" + day.cancelled(), null).json().path("state").asText()).isEqualTo("cancelled");
        assertThat(data.resolve("spool/ready/" + day.cancelled())).doesNotExist();
        assertThat(pageCounts()).isEqualTo(apiCounts());
        Chromium.fullPage(driver, SHOTS.resolve("admin-status-after.png"));
        timings.add("cancel click until the page shows it: " + ms(t7) + " ms");
    }

    private void signOut(String base) {
        click(By.cssSelector("form[action='admin/logout'] button"));
        waitFor(10, d -> d.getCurrentUrl().endsWith("/admin/login"));
        driver.get(base + "/admin");
        waitFor(10, d -> d.getCurrentUrl().endsWith("/admin/login"));
    }

    // ---- uploads -----------------------------------------------------------------------------------------------

    /** One to three photos (sometimes a video) from one of the phones, delivered before the clock moves on. */
    private void batch(int minutesAgo) {
        List<String> users = new ArrayList<>(tokens.keySet());
        int n = 1 + random.nextInt(minutesAgo < 60 ? 2 : 3);
        List<String[]> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String user = users.get(random.nextInt(users.size()));
            photo++;
            boolean video = random.nextInt(8) == 0;
            String name = switch (user) {
                case "bob" -> String.format(Locale.ROOT, "PXL_20240612_%06d.jpg", 100000 + photo * 37 % 899999);
                case "family" -> "DSC0" + photo + ".JPG";
                default -> "IMG_" + photo + (video ? ".MOV" : ".HEIC");
            };
            int size = video ? 2_000_000 + random.nextInt(4_000_000) : 150_000 + random.nextInt(1_100_000);
            String created = Instant.parse("2024-06-12T08:00:00Z").plus(Duration.ofMinutes(photo)).toString();
            sent.add(new String[] {user, upload(user, "p" + photo, name, created, size)});
        }
        for (String[] s : sent) {
            awaitJob(s[0], s[1], j -> j.path("state").asText().equals("succeeded"));
        }
    }

    private String upload(String user, String key, String filename, String createdAt, int size) {
        Response r = sidecar.http().put("/v1/uploads/" + key, tokens.get(user), Map.of(
                "X-Filename", java.net.URLEncoder.encode(filename, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"),
                "X-Created-At", createdAt), Files2.randomBytes(key.hashCode(), size));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private void awaitJob(String user, String id, java.util.function.Predicate<JsonNode> done) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> done.test(http(user, "GET", "/v1/jobs/" + id, null).json()));
    }

    private Response http(String user, String method, String path, String json) {
        return sidecar.http().send(method, path, tokens.get(user), json == null ? Map.of() : Map.of("Content-Type", "application/json"),
                json == null ? null : json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A device's job ids in a state, newest first, through the device API. */
    private List<String> ids(String user, String state) {
        List<String> out = new ArrayList<>();
        http(user, "GET", "/v1/jobs?limit=500&state=" + state, null).json().path("jobs").forEach(j -> out.add(j.path("id").asText()));
        return out;
    }

    /** Jobs by state as each device sees them (GET /v1/jobs), plus the revoked phone's from the ledger. */
    private Map<String, Long> apiCounts() {
        Map<String, Long> counts = new TreeMap<>();
        STATES.forEach(s -> counts.put(s, 0L));
        for (String user : tokens.keySet()) {
            deviceCounts(user).forEach((s, n) -> counts.merge(s, n, Long::sum));
        }
        for (Job j : sidecar.app().ledger().list(Optional.of("carol"), Optional.empty(), 1000)) {
            counts.merge(j.state().wire(), 1L, Long::sum);
        }
        return counts;
    }

    private Map<String, Long> deviceCounts(String user) {
        JsonNode page = http(user, "GET", "/v1/jobs?limit=500", null).json();
        assertThat(page.path("nextCursor").isNull()).isTrue();
        Map<String, Long> counts = new HashMap<>();
        page.path("jobs").forEach(j -> counts.merge(j.path("state").asText(), 1L, Long::sum));
        return counts;
    }

    /** Deliveries the ledger has since {@code from} (the chart's first bucket), counted without LedgerStats. */
    private long deliveredSince(String from) {
        long since = Instant.parse(from).toEpochMilli();
        return sidecar.app().ledger().list(Optional.empty(), Optional.empty(), 10_000).stream()
                .filter(j -> j.deliveredAt().map(t -> t.toEpochMilli() >= since).orElse(false)).count();
    }

    private static int nonEmpty(JsonNode chart) {
        int n = 0;
        for (JsonNode b : chart.path("bars")) {
            n += b.path("jobs").asLong() > 0 ? 1 : 0;
        }
        return n;
    }

    // ---- the page -----------------------------------------------------------------------------------------------

    private Map<String, Long> pageCounts() {
        Map<String, Long> counts = new TreeMap<>();
        for (String s : STATES) {
            counts.put(s, pageCount(s));
        }
        return counts;
    }

    /** How many times the page has refreshed itself since it was loaded (its script counts). */
    private long refreshes() {
        String n = retrying(() -> driver.findElement(By.id("status")).getAttribute("data-refreshes"));
        return n == null ? 0 : Long.parseLong(n);
    }

    private long pageCount(String state) {
        return Long.parseLong(text(By.cssSelector("[data-count='" + state + "']")));
    }

    private Set<String> failedOnPage() {
        return retrying(() -> driver.findElements(By.cssSelector("[data-body=failed] li[data-job-id]")).stream()
                .map(e -> e.getAttribute("data-job-id")).collect(Collectors.toSet()));
    }

    private String text(By by) {
        return retrying(() -> driver.findElement(by).getText().strip());
    }

    private boolean present(By by) {
        return retrying(() -> !driver.findElements(by).isEmpty());
    }

    private void click(By by) {
        retrying(() -> {
            WebElement e = driver.findElement(by);
            e.click();
            return null;
        });
    }

    /** The page replaces its sections when it refreshes; an element found just before may be gone: look again. */
    private static <T> T retrying(java.util.function.Supplier<T> action) {
        RuntimeException last = null;
        for (int i = 0; i < 5; i++) {
            try {
                return action.get();
            } catch (StaleElementReferenceException e) {
                last = e;
            }
        }
        throw last;
    }

    private void waitFor(int seconds, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(seconds)).pollingEvery(Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class).until(condition);
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
