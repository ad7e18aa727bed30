// SPDX-License-Identifier: LGPL-2.1-or-later
// NativeObject.java - what Policy, Facts and Result share: a Handle, close() and the Cleaner.
package cn.zjtx;

import java.lang.ref.Cleaner;

/** The base of every Java object that owns a native one. */
abstract class NativeObject implements AutoCloseable {
  final Handle handle;
  private final Cleaner.Cleanable cleanable;
  private volatile boolean closed;

  NativeObject(Handle handle) {
    this.handle = handle;
    this.cleanable = Native.CLEANER.register(this, handle);
  }

  /** Takes a reference for one call; the caller releases it in a finally block. */
  final long acquire() {
    if (closed) {
      throw new IllegalStateException(getClass().getSimpleName() + " is closed");
    }
    return handle.acquire();
  }

  final void release() {
    handle.release();
  }

  /**
   * Releases the native object, or leaves it to whatever still uses it (a result its facts):
   * it is freed when the last user lets go. Idempotent; this object may not be used after.
   */
  @Override
  public void close() {
    closed = true;
    cleanable.clean();
  }
}
