package dev.tpmdevid.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

import tss.Tpm;
import tss.TpmDevice;
import tss.TpmException;

/** Opens the TPM named by {@code tpm_device_path}. TEMPORARY until dev.tpmdevid.core.device lands. */
final class Connections {

    private Connections() {}

    /** Unchecked wrapper so {@link java.util.function.Function} can carry an open failure. */
    static final class OpenFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OpenFailure(String message, Throwable cause) {
            super(message, cause);
        }

        AgentException toAgentException() {
            return new AgentException(AgentException.Kind.TPM, getMessage(), getCause());
        }
    }

    static TpmLink open(String path) {
        try {
            StreamDevice dev;
            if (path.startsWith("tcp://")) {
                String hp = path.substring(6);
                int colon = hp.lastIndexOf(':');
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))), 5000);
                s.setSoTimeout(60_000);
                dev = new StreamDevice(s.getInputStream(), s.getOutputStream(), s);
            } else {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(path));
                dev = new StreamDevice(Channels.newInputStream(ch), Channels.newOutputStream(ch), ch);
            }
            Tpm tpm = new Tpm();
            tpm._setDevice(dev);
            return new TpmLink() {
                @Override public Tpm tpm() { return tpm; }
                @Override public long commandCount() { return dev.count; }
                @Override public void close() { dev.close(); }
            };
        } catch (IOException | RuntimeException e) {
            throw new OpenFailure("unable to start a new TPM session: cannot open TPM at \"" + path + "\": " + e, e);
        }
    }

    private static final class StreamDevice extends TpmDevice {
        private final DataInputStream in;
        private final OutputStream out;
        private final AutoCloseable closer;
        long count;

        StreamDevice(InputStream in, OutputStream out, AutoCloseable closer) {
            this.in = new DataInputStream(in);
            this.out = out;
            this.closer = closer;
        }

        @Override public boolean connect() { return true; }

        @Override public void close() {
            try { closer.close(); } catch (Exception e) { /* ignore */ }
        }

        @Override public void dispatchCommand(byte[] cmd) {
            count++;
            try { out.write(cmd); out.flush(); } catch (IOException e) { throw new TpmException("send: " + e, e); }
        }

        @Override public byte[] getResponse() {
            try {
                byte[] h = new byte[10];
                in.readFully(h);
                int size = ByteBuffer.wrap(h, 2, 4).getInt();
                byte[] r = new byte[size];
                System.arraycopy(h, 0, r, 0, 10);
                in.readFully(r, 10, size - 10);
                return r;
            } catch (IOException e) {
                throw new TpmException("receive: " + e, e);
            }
        }

        @Override public boolean responseReady() { return true; }
    }
}
