// SPDX-License-Identifier: LGPL-2.1-or-later
// Entitlement.java - who is owed how much under which rule.
package cn.zjtx;

import java.math.BigDecimal;

/**
 * One entitlement of a {@link Result}.
 *
 * @param rule the rule's id
 * @param beneficiary the beneficiary's entity ("enterprise", "county")
 * @param id the beneficiary's id
 * @param fen the amount in fen (0.01 yuan)
 */
public record Entitlement(String rule, String beneficiary, String id, long fen) {
  /** The amount in yuan, exactly, with two decimals (500000.00). */
  public BigDecimal amount() {
    return BigDecimal.valueOf(fen, 2);
  }
}
