// SPDX-License-Identifier: LGPL-2.1-or-later
// Evaluate.java - the smallest Java program using libzjtx: evaluate a policy, print who gets what.
//   javac -cp zjtx.jar Evaluate.java && java -cp zjtx.jar:. Evaluate POLICY FACTS
import cn.zjtx.*;
import java.nio.file.Path;

public class Evaluate {
  public static void main(String[] args) throws ZjtxException {
    try (Policy policy = Policy.load(Path.of(args[0]));
        Facts facts = policy.loadFacts(Path.of(args[1])); // a JSON file or a CSV directory
        Result result = policy.evaluate(facts, Options.builder().period("2025").build())) {
      for (Entitlement e : result.entitlements()) {
        System.out.printf("%s %s %s %s%n", e.rule(), e.beneficiary(), e.id(), e.amount());
      }
      for (Violation v : result.violations()) {
        System.out.printf("violation %s %s%n", v.check(), v.id());
      }
      System.out.println(result.explain(0).sentences("zh")); // why the first one is owed
    }
  }
}
