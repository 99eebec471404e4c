package dev.tpmdevid.core.tpm;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Immutable TPMA_OBJECT value (TPM 2.0 Part 2 §8.3). Only defined bits can be represented; the
 * reserved bits are rejected by {@link #fromBits}.
 */
public final class ObjectAttributes {
  /** All defined bits; everything else is reserved and must be zero. */
  public static final int DEFINED_MASK;

  static {
    int m = 0;
    for (ObjectAttribute a : ObjectAttribute.values()) {
      m |= a.bit();
    }
    DEFINED_MASK = m;
  }

  /** No attribute set. */
  public static final ObjectAttributes NONE = new ObjectAttributes(0);

  private final int bits;

  private ObjectAttributes(int bits) {
    this.bits = bits;
  }

  /**
   * The attributes of a TPMA_OBJECT value.
   *
   * @throws IllegalArgumentException if a reserved bit is set
   */
  public static ObjectAttributes fromBits(int bits) {
    int reserved = bits & ~DEFINED_MASK;
    if (reserved != 0) {
      throw new IllegalArgumentException(
          String.format("reserved TPMA_OBJECT bits set: 0x%08X", reserved));
    }
    return new ObjectAttributes(bits);
  }

  public static ObjectAttributes of(ObjectAttribute... attributes) {
    int b = 0;
    for (ObjectAttribute a : attributes) {
      b |= a.bit();
    }
    return new ObjectAttributes(b);
  }

  public static ObjectAttributes of(Set<ObjectAttribute> attributes) {
    int b = 0;
    for (ObjectAttribute a : attributes) {
      b |= a.bit();
    }
    return new ObjectAttributes(b);
  }

  /** The TPMA_OBJECT value as marshalled. */
  public int bits() {
    return bits;
  }

  public boolean contains(ObjectAttribute a) {
    return (bits & a.bit()) != 0;
  }

  /** True if every attribute of {@code other} is set here. */
  public boolean containsAll(ObjectAttributes other) {
    return (bits & other.bits) == other.bits;
  }

  public ObjectAttributes with(ObjectAttribute a) {
    return new ObjectAttributes(bits | a.bit());
  }

  public ObjectAttributes without(ObjectAttribute a) {
    return new ObjectAttributes(bits & ~a.bit());
  }

  public Set<ObjectAttribute> asSet() {
    EnumSet<ObjectAttribute> s = EnumSet.noneOf(ObjectAttribute.class);
    for (ObjectAttribute a : ObjectAttribute.values()) {
      if (contains(a)) {
        s.add(a);
      }
    }
    return Collections.unmodifiableSet(s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectAttributes && ((ObjectAttributes) o).bits == bits;
  }

  @Override
  public int hashCode() {
    return bits;
  }

  /** {@code fixedTPM|fixedParent|sign (0x00040012)}. */
  @Override
  public String toString() {
    StringJoiner j = new StringJoiner("|");
    for (ObjectAttribute a : ObjectAttribute.values()) {
      if (contains(a)) {
        j.add(a.specName());
      }
    }
    return (bits == 0 ? "none" : j.toString()) + String.format(" (0x%08X)", bits);
  }
}
