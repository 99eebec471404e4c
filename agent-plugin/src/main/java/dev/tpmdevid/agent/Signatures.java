package dev.tpmdevid.agent;

import java.io.ByteArrayOutputStream;

/** Signature encodings the Go server expects for the PoP answer (spec 01 §3.3). */
final class Signatures {

    private Signatures() {}

    /** DER {@code SEQUENCE { INTEGER r, INTEGER s }} with minimal integers, as Go's {@code asn1.Marshal}. */
    static byte[] ecdsaDer(byte[] r, byte[] s) {
        byte[] ri = derInteger(r);
        byte[] si = derInteger(s);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, ri.length + si.length);
        out.writeBytes(ri);
        out.writeBytes(si);
        return out.toByteArray();
    }

    private static byte[] derInteger(byte[] unsigned) {
        int i = 0;
        while (i < unsigned.length - 1 && unsigned[i] == 0) {
            i++;
        }
        int len = unsigned.length - i;
        boolean pad = len == 0 || (unsigned[i] & 0x80) != 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x02);
        int contentLen = len == 0 ? 1 : len + (pad ? 1 : 0);
        writeLength(out, contentLen);
        if (len == 0) {
            out.write(0);
        } else {
            if (pad) {
                out.write(0);
            }
            out.write(unsigned, i, len);
        }
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len);
        }
    }
}
