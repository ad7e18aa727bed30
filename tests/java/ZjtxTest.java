// SPDX-License-Identifier: LGPL-2.1-or-later
// ZjtxTest.java - the Java binding against hand-worked amounts and against the C API.
package cn.zjtx;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Run by meson with the system properties zjtx.srcdir (the source tree), zjtx.dump (the
 * dump-result program: the C API's view of a result) and, when it exists, zjtx.genpop (the
 * population generator).
 */
public class ZjtxTest {
  private static Path src;
  private static Path policyPath;
  private static Path samplePath;

  /** The embed.c enterprise (examples/embed.c), with its honor; rd_expense is {@code %s}. */
  private static final String EMBED_FACTS =
      "{\"period\": \"2025\", \"counties\": [{\"id\": \"320812\", \"name\": \"清江浦区\"}],"
          + " \"enterprises\": [{\"id\": \"91320812MA1ABCDE10\", \"name\": \"淮安示例智能装备有限公司\","
          + " \"county\": \"320812\", \"revenue\": \"150000000.00\", %s"
          + " \"rd_expense_prev\": \"10000000.00\", \"invention_patents\": 6, \"cnc_rate\": \"72.5\","
          + " \"honors\": [{\"level\": \"little_giant\", \"awarded_on\": \"2025-07-15\","
          + " \"valid_until\": \"2028-07-14\", \"first_time\": true}]}]}";

  @BeforeClass
  public static void paths() {
    src = Path.of(System.getProperty("zjtx.srcdir"));
    policyPath = src.resolve("rules/huaian-2025.xml");
    samplePath = src.resolve("examples/huaian-2025/facts.json");
  }

  /** The lines dump-result prints, from the binding's result. */
  private static List<String> lines(Result r) {
    List<String> out = new ArrayList<>();
    for (Entitlement e : r.entitlements()) {
      out.add(
          String.join(
              "\t",
              "E",
              e.rule(),
              e.beneficiary(),
              e.id(),
              Long.toString(e.fen()),
              e.amount().toPlainString()));
    }
    for (Violation v : r.violations()) {
      out.add(String.join("\t", "V", v.check(), v.entity(), v.id()));
    }
    for (Undecided u : r.undecided()) {
      StringBuilder b = new StringBuilder();
      b.append(String.join("\t", "U", u.rule(), u.check() ? "1" : "0", u.entity(), u.id()));
      b.append('\t').append(u.more() ? "1" : "0");
      for (Undecided.Missing m : u.missing()) {
        b.append('\t').append(String.join("\t", m.entity(), m.id(), m.field()));
      }
      out.add(b.toString());
    }
    return out;
  }

  /** What the C API gives for the same policy and facts (dump-result.c), read as UTF-8. */
  private static List<String> cLines(Path facts) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(System.getProperty("zjtx.dump"), policyPath.toString(), facts.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertEquals("dump-result exit status", 0, p.waitFor());
    List<String> lines = new ArrayList<>();
    for (String l : out.split("\n")) {
      if (!l.isEmpty()) {
        lines.add(l);
      }
    }
    return lines;
  }

  @Test
  public void defaultCharsetIsTheOneAskedFor() {
    String expected = System.getProperty("zjtx.test.charset");
    assumeTrue(expected != null);
    assertEquals(expected, Charset.defaultCharset().name());
  }

  @Test
  public void sampleGivesTheHandWorkedEntitlements() throws Exception {
    String text = Files.readString(src.resolve("examples/huaian-2025/expected.json"));
    Matcher m =
        Pattern.compile(
                "\\{\\s*\"rule\": \"([^\"]*)\",\\s*\"beneficiary\": \"([^\"]*)\",\\s*"
                    + "\"id\": \"([^\"]*)\",\\s*\"amount\": \"([^\"]*)\"\\s*\\}")
            .matcher(text);
    List<String> expected = new ArrayList<>();
    while (m.find()) {
      expected.add(m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4));
    }
    assertEquals(36, expected.size());

    try (Policy policy = Policy.load(policyPath);
        Facts facts = policy.loadFacts(samplePath);
        Result result = policy.evaluate(facts, Options.defaults())) {
      assertEquals("2025", result.period());
      List<String> got = new ArrayList<>();
      for (Entitlement e : result.entitlements()) {
        got.add(e.rule() + " " + e.beneficiary() + " " + e.id() + " " + e.amount().toPlainString());
        assertEquals(e.amount(), new BigDecimal(e.fen()).movePointLeft(2));
        assertEquals(2, e.amount().scale());
      }
      Collections.sort(expected);
      Collections.sort(got);
      assertEquals(expected, got);
      assertEquals(4, result.violations().size());
      // A Chinese id, compared with a literal of this (UTF-8) source whatever the JVM's charset.
      assertEquals(
          new Violation("srdi_guarantee_fee_cap", "guarantor", "清江浦区融资担保有限公司"),
          result.violations().get(3));
      assertTrue(result.undecided().isEmpty());
    }
  }

  @Test
  public void sampleEqualsTheCApi() throws Exception {
    try (Policy policy = Policy.load(policyPath);
        Facts facts = policy.loadFacts(samplePath);
        Result result = policy.evaluate(facts, Options.defaults())) {
      assertEquals(cLines(samplePath), lines(result));
    }
  }

  /** A generated population (genpop.py, when the shared bench folder is there), both carriers. */
  @Test
  public void generatedPopulationEqualsTheCApi() throws Exception {
    String genpop = System.getProperty("zjtx.genpop", "");
    assumeTrue("genpop.py not found", !genpop.isEmpty() && Files.isRegularFile(Path.of(genpop)));
    Path dir = Files.createTempDirectory("zjtx-java-pop");
    try {
      for (String format : new String[] {"json", "csv"}) {
        Path out = dir.resolve(format.equals("json") ? "pop.json" : "pop");
        Process p =
            new ProcessBuilder(
                    "python3", genpop, "--enterprises", "400", "--seed", "20250301", "--format",
                    format, "--out", out.toString())
                .inheritIO()
                .start();
        assertEquals(0, p.waitFor());
        List<String> c = cLines(out);
        assertTrue("the population pays something", c.size() > 100);
        try (Policy policy = Policy.load(policyPath);
            Facts facts = policy.loadFacts(out);
            Result result = policy.evaluate(facts, Options.builder().threads(2).build())) {
          assertEquals(c, lines(result));
        }
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  public void eightThreadsShareOnePolicy() throws Exception {
    try (Policy policy = Policy.load(policyPath);
        Facts shared = policy.loadFacts(samplePath)) {
      List<String> reference = cLines(samplePath);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          final boolean own = t % 2 == 0;
          jobs.add(
              pool.submit(
                  () -> {
                    for (int round = 0; round < 10; round++) {
                      // half the threads read their own facts, half share one
                      Facts facts = own ? policy.loadFacts(samplePath) : shared;
                      try (Result r = policy.evaluate(facts, Options.builder().threads(1).build())) {
                        assertEquals(reference, lines(r));
                        assertNotNull(r.explain(round % r.entitlements().size()).toText());
                      } finally {
                        if (own) {
                          facts.close();
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> j : jobs) {
          j.get();
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  /** Every close order; then the same objects left to the garbage collector. */
  @Test
  public void closedInAnyOrder() throws Exception {
    List<String> reference = cLines(samplePath);
    for (int order = 0; order < 6; order++) {
      Policy policy = Policy.load(policyPath);
      Facts facts = policy.loadFacts(samplePath);
      Result result = policy.evaluate(facts, Options.defaults());
      AutoCloseable[] objects = {policy, facts, result};
      int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
      for (int k = 0; k < 2; k++) { // close two of three, then read what is left
        objects[orders[order][k]].close();
      }
      if (orders[order][2] == 2) {
        assertEquals(reference, lines(result)); // facts and policy closed: the result still reads
        String label = result.explain(0).nodes().get(0).label(); // "rule id — title"
        assertTrue(label, label.startsWith(result.entitlements().get(0).rule() + " "));
      }
      objects[orders[order][2]].close();
      result.close(); // twice is fine
      assertThrows(IllegalStateException.class, () -> result.explain(0));
      assertThrows(IllegalStateException.class, () -> facts.recordCount("enterprise"));
      assertThrows(IllegalStateException.class, () -> policy.loadFacts(samplePath));
    }
  }

  @Test
  public void leftToTheGarbageCollector() throws Exception {
    List<String> reference = cLines(samplePath);
    Result result = evaluateAndDropTheRest();
    WeakReference<Facts> facts = new WeakReference<>(lastFacts);
    lastFacts = null;
    for (int i = 0; i < 50 && facts.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertTrue("the facts were collected", facts.get() == null);
    System.gc();
    Thread.sleep(50); // the Cleaner's thread has run by now, or runs while we read
    assertEquals(reference, lines(result));
    assertNotNull(result.explain(3).sentences("zh"));
    // Results never closed: the Cleaner frees them, then their facts and policy.
    int before = Handle.LIVE.get();
    for (int i = 0; i < 200; i++) {
      evaluateAndDropTheRest().entitlements();
    }
    lastFacts = null;
    result = null;
    for (int i = 0; i < 200 && Handle.LIVE.get() > before - 3; i++) {
      System.gc();
      Thread.sleep(10);
    }
    // everything of this test freed: the 200 and the first policy, facts and result
    assertTrue("native objects left: " + Handle.LIVE.get(), Handle.LIVE.get() <= before - 3);
  }

  private static Facts lastFacts;

  private static Result evaluateAndDropTheRest() throws ZjtxException {
    Policy policy = Policy.load(policyPath);
    Facts facts = policy.loadFacts(samplePath);
    lastFacts = facts;
    return policy.evaluate(facts, Options.defaults());
  }

  @Test
  public void factsFromJsonAndHandWorkedAmounts() throws Exception {
    try (Policy policy = Policy.load(policyPath);
        Facts facts =
            policy.factsFromJson(
                String.format(EMBED_FACTS, "\"rd_expense\": \"12000000.00\","), "embed.json");
        Result r = policy.evaluate(facts, Options.builder().period("2025").build())) {
      assertEquals(1, facts.recordCount("enterprise"));
      // examples/embed.c: 12,000,000 x (2% + 1%); (12,000,000 - 10,000,000) x (10% + 1%); 500,000
      List<String> got = new ArrayList<>();
      for (Entitlement e : r.entitlements()) {
        got.add(e.rule() + " " + e.id() + " " + e.amount().toPlainString());
      }
      assertEquals(
          List.of(
              "rd_base_subsidy 91320812MA1ABCDE10 360000.00",
              "rd_incremental_subsidy 91320812MA1ABCDE10 220000.00",
              "first_honor_reward 91320812MA1ABCDE10 500000.00"),
          got);
      Explanation why = r.explain(0);
      assertEquals(1, why.nodes().get(0).kind());
      assertEquals(
          "rd_base_subsidy 91320812MA1ABCDE10 — 研发费用基础补贴", why.nodes().get(0).label());
      assertEquals(-1, why.nodes().get(0).parent());
      assertTrue(why.toJson().startsWith("{"));
      assertTrue(why.sentences("zh").contains("360,000.00"));
    }
  }

  @Test
  public void missingFactsAreUndecided() throws Exception {
    try (Policy policy = Policy.load(policyPath);
        Facts facts = policy.factsFromJson(String.format(EMBED_FACTS, ""), "embed.json");
        Result r = policy.evaluate(facts)) {
      // Without this year's R&D expense the two R&D subsidies cannot be decided; the honor pays.
      assertEquals(1, r.entitlements().size());
      assertEquals(new BigDecimal("500000.00"), r.entitlements().get(0).amount());
      Undecided base = r.undecided().get(0);
      assertEquals("rd_base_subsidy", base.rule());
      assertFalse(base.check());
      assertEquals("91320812MA1ABCDE10", base.id());
      assertTrue(
          base.missing().contains(new Undecided.Missing("enterprise", "91320812MA1ABCDE10", "rd_expense")));
    }
  }

  @Test
  public void optionsOverrideAParameter() throws Exception {
    Options doubled =
        Options.builder().period("2025").param("cluster_reward_amount", "national", "2000000").build();
    try (Policy policy = Policy.load(policyPath);
        Facts facts = policy.loadFacts(samplePath);
        Result r = policy.evaluate(facts, doubled)) {
      // expected.json's working: 320803 and 320831 each have one first national cluster, 320812 a
      // provincial one (500,000.00, not overridden).
      List<String> clusters = new ArrayList<>();
      for (Entitlement e : r.entitlements()) {
        if (e.rule().equals("cluster_reward")) {
          clusters.add(e.id() + " " + e.amount().toPlainString());
        }
      }
      assertEquals(List.of("320812 500000.00", "320803 2000000.00", "320831 2000000.00"), clusters);
    }
    try (Policy policy = Policy.load(policyPath);
        Facts facts = policy.loadFacts(samplePath)) {
      ZjtxException e =
          assertThrows(
              ZjtxException.class,
              () -> policy.evaluate(facts, Options.builder().param("no_such_param", "1").build()));
      assertTrue(e.getMessage(), e.getMessage().contains("no_such_param"));
    }
  }

  @Test
  public void errorsTellFileLineAndColumn() throws Exception {
    // (An ASCII path: under LANG=C the JVM cannot make a Path of Chinese file names at all.)
    Path missing = src.resolve("no/such/policy.xml");
    ZjtxException io = assertThrows(ZjtxException.class, () -> Policy.load(missing));
    assertSame(ZjtxException.Status.IO, io.status());
    assertTrue(io.getMessage(), io.getMessage().contains(missing.toString()));

    ZjtxException xml =
        assertThrows(
            ZjtxException.class,
            () -> Policy.fromString("<policy>\n  <broken\n</policy>\n", "政策.xml", null));
    assertSame(ZjtxException.Status.XML, xml.status());
    assertEquals("政策.xml", xml.file());
    assertTrue(xml.line() >= 2);
    assertTrue(xml.column() > 0);
    assertTrue(xml.getMessage(), xml.getMessage().startsWith("政策.xml:" + xml.line() + ":"));

    try (Policy policy = Policy.load(policyPath)) {
      String bad =
          "{\"period\": \"2025\",\n \"counties\": [{\"id\": \"320812\", \"name\": \"清江浦区\"}],\n"
              + " \"enterprises\": [{\"id\": \"91320812MA1ABCDE10\", \"name\": \"甲\","
              + " \"county\": \"320812\", \"rd_expense_prev\": \"1.234\"}]}";
      ZjtxException facts =
          assertThrows(ZjtxException.class, () -> policy.factsFromJson(bad, "事实.json"));
      assertSame(ZjtxException.Status.FACTS, facts.status());
      assertEquals("事实.json", facts.file());
      assertEquals(3, facts.line()); // the bad record's line
      assertEquals(0, facts.column()); // a record has a line, not a column
      assertTrue(facts.message(), facts.message().contains("rd_expense_prev"));
      assertEquals(facts, facts.errors().get(0));
    }
  }

  /** A file name in Chinese reaches the library as the bytes the file system holds. */
  @Test
  public void chineseFileNames() throws Exception {
    assumeTrue(
        "file names are not UTF-8 in this locale",
        "UTF-8".equals(System.getProperty("sun.jnu.encoding")));
    Path dir = Files.createTempDirectory("zjtx-java-名");
    Path copy = dir.resolve("淮安事实.json");
    try {
      Files.copy(samplePath, copy);
      try (Policy policy = Policy.load(policyPath);
          Facts facts = policy.loadFacts(copy);
          Result r = policy.evaluate(facts, Options.defaults())) {
        assertEquals(36, r.entitlements().size());
      }
      Path missing = dir.resolve("没有.json");
      try (Policy policy = Policy.load(policyPath)) {
        ZjtxException e = assertThrows(ZjtxException.class, () -> policy.loadFacts(missing));
        assertTrue(e.getMessage(), e.getMessage().contains("没有.json"));
      }
    } finally {
      Files.deleteIfExists(copy);
      Files.delete(dir);
    }
  }

  @Test
  public void keepGoingListsTheRejects() throws Exception {
    String good = String.format(EMBED_FACTS, "\"rd_expense\": \"12000000.00\",");
    // a second enterprise whose money has three decimals (at most two are allowed)
    String both =
        good.replace(
            "\"enterprises\": [",
            "\"enterprises\": [{\"id\": \"91320812MA0GWJDM0C\", \"name\": \"乙\","
                + " \"county\": \"320812\", \"rd_expense_prev\": \"1.234\"}, ");
    Path file = Files.createTempFile("zjtx-java-keep", ".json");
    try {
      Files.writeString(file, both, StandardCharsets.UTF_8);
      try (Policy policy = Policy.load(policyPath)) {
        assertThrows(ZjtxException.class, () -> policy.loadFacts(file));
        try (Facts facts = policy.loadFacts(file, true);
            Result r = policy.evaluate(facts, Options.defaults())) {
          assertEquals(1, facts.recordCount("enterprise"));
          assertEquals(1, facts.rejects().size());
          Facts.Reject reject = facts.rejects().get(0);
          assertEquals("enterprise", reject.entity());
          assertEquals("91320812MA0GWJDM0C", reject.id());
          assertEquals("rd_expense_prev", reject.field());
          assertEquals("1.234", reject.value());
          assertEquals(1, reject.line());
          assertEquals(3, r.entitlements().size()); // the embed.c enterprise, as above
        }
      }
    } finally {
      Files.delete(file);
    }
  }

  @Test
  public void versionIsTheLibrarys() {
    assertEquals(BuildConfig.VERSION, Policy.libraryVersion());
  }

  @Test
  public void titlesAreUnicode() throws Exception {
    try (Policy policy = Policy.load(policyPath)) {
      String zh = policy.title("zh");
      assertTrue(zh, zh.contains("淮安"));
      assertFalse(zh.contains("\uFFFD"));
    }
  }
}
