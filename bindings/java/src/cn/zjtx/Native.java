// SPDX-License-Identifier: LGPL-2.1-or-later
// Native.java - the native methods (zjtx-jni.c), the library loading and the shared Cleaner.
package cn.zjtx;

import java.lang.ref.Cleaner;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JNI glue, loaded once. Every string crosses as UTF-8 bytes this class encodes itself,
 * never through the JVM's default charset, so {@code -Dfile.encoding=GBK} or {@code LANG=C}
 * change nothing.
 */
final class Native {
  /** Frees native objects whose Java owner was only garbage-collected. */
  static final Cleaner CLEANER = Cleaner.create();

  /** The encoding of file names (see cpath), fixed by the locale the JVM started in. */
  private static final Charset FILE_NAMES = fileNameCharset();

  private Native() {}

  static {
    load();
  }

  /**
   * Loads libzjtx-jni: from the system property {@code cn.zjtx.jni} (a file) when set, else
   * from {@code java.library.path} (which includes {@code LD_LIBRARY_PATH}), else from the
   * directory the library was installed to.
   */
  private static void load() {
    String explicit = System.getProperty("cn.zjtx.jni");
    if (explicit != null) {
      System.load(Path.of(explicit).toAbsolutePath().toString());
      return;
    }
    try {
      System.loadLibrary("zjtx-jni");
    } catch (UnsatisfiedLinkError e) {
      Path installed = Path.of(BuildConfig.JNI_DIR, "libzjtx-jni.so");
      if (!Files.isRegularFile(installed)) {
        throw e;
      }
      System.load(installed.toString());
    }
  }

  /** {@code s} as NUL-terminated UTF-8, or null for null. */
  static byte[] cstr(String s) {
    if (s == null) {
      return null;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length + 1];
    System.arraycopy(utf8, 0, out, 0, utf8.length);
    return out;
  }

  /**
   * A path as the C library opens it: in the encoding the JVM uses for file names
   * (sun.jnu.encoding, from the locale: UTF-8 on a UTF-8 system), the bytes Java's own file I/O
   * would pass to the kernel. Not the default charset, which -Dfile.encoding changes.
   */
  static byte[] cpath(Path path) {
    String s = path.toString();
    byte[] bytes = s.getBytes(FILE_NAMES);
    byte[] out = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, out, 0, bytes.length);
    return out;
  }


  private static Charset fileNameCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.UTF_8;
    }
  }

  static native long policyLoad(byte[] path) throws ZjtxException;

  static native long policyLoadString(byte[] xml, byte[] name, byte[] baseDir) throws ZjtxException;

  static native void policyUnref(long policy);

  static native String policyId(long policy);

  static native String policyTitle(long policy, byte[] lang);

  static native String policyDefaultPeriod(long policy);

  static native long factsLoad(long policy, byte[] path, int flags) throws ZjtxException;

  static native long factsFromJson(long policy, byte[] json, byte[] name) throws ZjtxException;

  static native void factsFree(long facts);

  static native long factsRecordCount(long facts, byte[] entity);

  static native int factsRejectCount(long facts);

  static native String[] factsReject(long facts, int i);

  static native long evaluate(
      long policy,
      long facts,
      byte[] period,
      byte[][] paramIds,
      byte[][] paramKeys,
      byte[][] paramValues,
      int threads)
      throws ZjtxException;

  static native void resultFree(long result);

  static native String resultPeriod(long result);

  static native int resultEntitlementCount(long result);

  static native void resultEntitlements(
      long result, String[] rules, String[] entities, String[] ids, long[] fen);

  static native int resultViolationCount(long result);

  static native void resultViolations(long result, String[] checks, String[] entities, String[] ids);

  static native int resultUndecidedCount(long result);

  static native String[] resultUndecided(long result, int i);

  static native long resultExplain(long result, int i, boolean violation) throws ZjtxException;

  static native void explanationFree(long explanation);

  static native int explanationNodeCount(long explanation);

  static native String[] explanationNode(long explanation, int node, int[] ints);

  static native String explanationFormat(long explanation, int format, byte[] lang);

  static native String versionString();
}
