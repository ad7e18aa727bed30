// SPDX-License-Identifier: LGPL-2.1-or-later
// Violation.java - which record breaks which check.
package cn.zjtx;

/**
 * One violation of a {@link Result}.
 *
 * @param check the check's id
 * @param entity the entity checked, or the grouping field of a grouped check
 * @param id the offending record's id, or the group's key
 */
public record Violation(String check, String entity, String id) {}
