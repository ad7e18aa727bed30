// SPDX-License-Identifier: LGPL-2.1-or-later
// Undecided.java - a rule the facts cannot decide for a subject, and the inputs it lacks.
package cn.zjtx;

import java.util.List;

/**
 * A (rule or check, subject) pair the facts are not enough to decide: optional fields are
 * missing and the outcome depends on them.
 *
 * @param rule the rule's or check's id
 * @param check true for a check, false for an entitlement rule
 * @param entity the subject's entity (or grouping field)
 * @param id the subject's id (or group key)
 * @param missing the inputs it lacks, in the order the evaluation met them
 * @param more true when it lacks more inputs than {@code missing} names
 */
public record Undecided(
    String rule, boolean check, String entity, String id, List<Missing> missing, boolean more) {
  /** One missing input: a field of a record. */
  public record Missing(String entity, String id, String field) {}
}
