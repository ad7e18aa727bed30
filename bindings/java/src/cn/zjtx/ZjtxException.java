// SPDX-License-Identifier: LGPL-2.1-or-later
// ZjtxException.java - a failure of libzjtx: status, file, line, column, message, and the chain.
package cn.zjtx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A failure reported by libzjtx. Loading facts reports every invalid record at once: the first
 * is this exception, the others follow through {@link #next()} (all of them: {@link #errors()}).
 */
public class ZjtxException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The status codes of zjtx/common.h. */
  public enum Status {
    INVALID_ARG(-1),
    IO(-2),
    XML(-3),
    SCHEMA(-4),
    POLICY(-5),
    FACTS(-6),
    EVAL(-7),
    OVERFLOW(-8),
    NOT_FOUND(-9),
    LIMIT(-10),
    NOMEM(-11),
    UNKNOWN(0);

    private final int code;

    Status(int code) {
      this.code = code;
    }

    /** The zjtx_status value. */
    public int code() {
      return code;
    }

    static Status of(int code) {
      for (Status s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      return UNKNOWN;
    }
  }

  private final Status status;
  private final String message;
  private final String file;
  private final int line;
  private final int column;
  private final String rule;
  private final ZjtxException next;

  /** Called by the native glue. */
  ZjtxException(
      int code, String message, String file, int line, int column, String rule, ZjtxException next) {
    super(format(message, file, line, column));
    this.status = Status.of(code);
    this.message = message;
    this.file = file;
    this.line = line;
    this.column = column;
    this.rule = rule;
    this.next = next;
  }

  private static String format(String message, String file, int line, int column) {
    StringBuilder b = new StringBuilder();
    if (file != null) {
      b.append(file).append(':');
      if (line > 0) {
        b.append(line).append(':');
        if (column > 0) {
          b.append(column).append(':');
        }
      }
      b.append(' ');
    }
    return b.append(message != null ? message : "").toString();
  }

  /** What failed: a status of zjtx/common.h. */
  public Status status() {
    return status;
  }

  /** The message alone, without position ({@link #getMessage()} has "file:line:column: "). */
  public String message() {
    return message;
  }

  /** The file (or buffer name) concerned, or null. */
  public String file() {
    return file;
  }

  /** 1-based line, 0 when unknown. */
  public int line() {
    return line;
  }

  /** 1-based column, 0 when unknown. */
  public int column() {
    return column;
  }

  /** The rule, check or parameter concerned, or null. */
  public String rule() {
    return rule;
  }

  /** The next error of the same failure, or null. */
  public ZjtxException next() {
    return next;
  }

  /** This error and every one after it. */
  public List<ZjtxException> errors() {
    List<ZjtxException> all = new ArrayList<>();
    for (ZjtxException e = this; e != null; e = e.next) {
      all.add(e);
    }
    return Collections.unmodifiableList(all);
  }
}
