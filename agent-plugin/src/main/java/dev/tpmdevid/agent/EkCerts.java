package dev.tpmdevid.agent;

import java.util.Arrays;

/** EK certificate NV contents to one DER certificate (spec 01 §4.5): keep the first DER TLV, drop padding. */
final class EkCerts {

    private EkCerts() {}

    static byte[] trim(byte[] nv) {
        if (nv.length < 2 || (nv[0] & 0xFF) != 0x30) {
            throw new IllegalArgumentException("NV contents do not start with a DER SEQUENCE");
        }
        int lenByte = nv[1] & 0xFF;
        long total;
        if (lenByte < 0x80) {
            total = 2L + lenByte;
        } else {
            int n = lenByte & 0x7F;
            if (n == 0 || n > 4 || nv.length < 2 + n) {
                throw new IllegalArgumentException("unsupported DER length encoding");
            }
            long len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (nv[2 + i] & 0xFF);
            }
            total = 2L + n + len;
        }
        if (total > nv.length) {
            throw new IllegalArgumentException("DER length " + total + " exceeds the " + nv.length + " NV bytes");
        }
        return Arrays.copyOf(nv, (int) total);
    }
}
