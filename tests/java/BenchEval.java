// SPDX-License-Identifier: LGPL-2.1-or-later
// BenchEval.java - a benchmark, not a test: tests/bench/bench-eval.c through the Java binding.
//
//   java BenchEval POLICY FACTS [ROUNDS [THREADS]]
//
// Prints facts_load_s and, best of ROUNDS with the facts in memory: evaluate_s (the native
// call alone), read_s (every entitlement and violation made into Java records) and their sum,
// so the binding's cost can be set against bench-eval's evaluate_s on the same files.
import cn.zjtx.Facts;
import cn.zjtx.Options;
import cn.zjtx.Policy;
import cn.zjtx.Result;
import cn.zjtx.ZjtxException;
import java.nio.file.Path;

public class BenchEval {
  public static void main(String[] args) throws ZjtxException {
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    Options options = Options.builder().threads(threads).build();
    try (Policy policy = Policy.load(Path.of(args[0]))) {
      long t0 = System.nanoTime();
      try (Facts facts = policy.loadFacts(Path.of(args[1]))) {
        long t1 = System.nanoTime();
        System.out.printf(
            "facts_load_s %.3f  (%d enterprises)%n",
            (t1 - t0) / 1e9, facts.recordCount("enterprise"));
        double bestEval = Double.MAX_VALUE;
        double bestRead = Double.MAX_VALUE;
        double bestBoth = Double.MAX_VALUE;
        long results = 0;
        for (int r = 0; r < rounds; r++) {
          long a = System.nanoTime();
          try (Result result = policy.evaluate(facts, options)) {
            long b = System.nanoTime();
            results = result.entitlements().size() + result.violations().size();
            long c = System.nanoTime();
            bestEval = Math.min(bestEval, (b - a) / 1e9);
            bestRead = Math.min(bestRead, (c - b) / 1e9);
            bestBoth = Math.min(bestBoth, (c - a) / 1e9);
          }
        }
        System.out.printf(
            "evaluate_s %.6f  read_s %.6f  total_s %.6f  (best of %d, %d results, %d threads)%n",
            bestEval, bestRead, bestBoth, rounds, results, threads);
      }
    }
  }
}
