// SPDX-License-Identifier: LGPL-2.1-or-later
// Explanation.java - why a result is what it is: a tree of nodes, as text, JSON or sentences.
package cn.zjtx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The explanation of one entitlement or violation: the rule and its clause, its condition, the
 * amount formula, rounding, caps, and every derived value, parameter and aggregate used. Read
 * whole from the library, so it owns nothing native.
 */
public final class Explanation {
  /**
   * One node, in depth-first order; node 0 is the root.
   *
   * @param kind the zjtx_node_kind value (1 rule, 2 condition, 3 formula, 4 rounding, 5 cap, 6
   *     derived, 7 param, 8 aggregate, 9 result, ...)
   * @param parent the parent's index, -1 for the root
   * @param outcome the zjtx_outcome of a rule node, 0 otherwise
   * @param label what the node is: a rule id, derived name, parameter id, expression
   * @param value its value as text ("12500.00", "true")
   * @param reference where it comes from (a clause, a parameter's source), or null
   * @param attrs its structured fields, in order
   */
  public record Node(
      int kind,
      int parent,
      int outcome,
      String label,
      String value,
      String reference,
      Map<String, String> attrs) {}

  private final List<Node> nodes;
  private final String json;
  private final String text;
  private final String sentencesZh;
  private final String sentencesEn;

  private Explanation(
      List<Node> nodes, String json, String text, String sentencesZh, String sentencesEn) {
    this.nodes = nodes;
    this.json = json;
    this.text = text;
    this.sentencesZh = sentencesZh;
    this.sentencesEn = sentencesEn;
  }

  /** Reads everything of native explanation {@code ex}, then frees it. */
  static Explanation read(long ex) {
    try {
      int n = Native.explanationNodeCount(ex);
      List<Node> nodes = new ArrayList<>(n);
      int[] ints = new int[3];
      for (int i = 0; i < n; i++) {
        String[] s = Native.explanationNode(ex, i, ints);
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int k = 3; k + 1 < s.length; k += 2) {
          attrs.put(s[k], s[k + 1]);
        }
        nodes.add(
            new Node(
                ints[0], ints[1], ints[2], s[0], s[1], s[2], Collections.unmodifiableMap(attrs)));
      }
      return new Explanation(
          Collections.unmodifiableList(nodes),
          Native.explanationFormat(ex, 0, null),
          Native.explanationFormat(ex, 1, null),
          Native.explanationFormat(ex, 2, Native.cstr("zh")),
          Native.explanationFormat(ex, 2, Native.cstr("en")));
    } finally {
      Native.explanationFree(ex);
    }
  }

  /** The nodes, depth-first; node 0 is the root. */
  public List<Node> nodes() {
    return nodes;
  }

  /** The whole tree as a JSON object. */
  public String toJson() {
    return json;
  }

  /** The whole tree as indented text. */
  public String toText() {
    return text;
  }

  /** The explanation in sentences a person reads: "zh", or "en" for English. */
  public String sentences(String lang) {
    return "en".equals(lang) ? sentencesEn : sentencesZh;
  }

  @Override
  public String toString() {
    return text;
  }
}
