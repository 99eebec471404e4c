package dev.tpmdevid.testbed.provision;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import tss.Tpm;
import tss.TpmDevice;

/** Throwaway swtpm + raw TCP device until wt/device's Swtpm/TpmConnection land. */
final class ScratchSwtpm implements AutoCloseable {
    final Path state;
    final int port;
    final Process process;
    private Tpm tpm;

    ScratchSwtpm(Path state) throws Exception {
        this.state = state;
        Files.createDirectories(state);
        int p;
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            try (ServerSocket s2 = new ServerSocket(p + 1)) {
                break;
            } catch (IOException e) {
                // try again
            }
        }
        port = p;
        process = new ProcessBuilder("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear", "--log", "file=" + state.resolve("swtpm.log"))
                .redirectErrorStream(true).redirectOutput(state.resolve("swtpm.out").toFile()).start();
        for (int i = 0; i < 500; i++) {
            try (Socket s = new Socket("127.0.0.1", port + 1)) {
                return;
            } catch (IOException e) {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("swtpm did not start");
    }

    Tpm tpm() {
        if (tpm == null) {
            tpm = new Tpm();
            tpm._setDevice(new RawDevice(port));
        }
        return tpm;
    }

    void closeTpm() throws Exception {
        if (tpm != null) {
            tpm.close();
            tpm = null;
        }
    }

    @Override
    public void close() throws Exception {
        closeTpm();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    static final class RawDevice extends TpmDevice {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        RawDevice(int port) {
            try {
                socket = new Socket("127.0.0.1", port);
                socket.setTcpNoDelay(true);
                in = new DataInputStream(socket.getInputStream());
                out = socket.getOutputStream();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override public boolean connect() { return true; }
        @Override public void close() {
            try { socket.close(); } catch (IOException e) { /* ignore */ }
        }
        @Override public void dispatchCommand(byte[] cmd) {
            try { out.write(cmd); out.flush(); } catch (IOException e) { throw new IllegalStateException(e); }
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
            } catch (IOException e) { throw new IllegalStateException(e); }
        }
        @Override public boolean responseReady() { return true; }
    }
}
