package dev.tpmdevid.testbed.host;

import dev.tpmdevid.testbed.Processes;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tss.Tpm;
import tss.TpmDevice;

/**
 * A private swtpm for one demo or end-to-end test: {@code swtpm socket --tpm2} on loopback TCP with
 * a fresh state directory, started with {@code startup-clear}. The agent reaches it as
 * {@code tcp://127.0.0.1:PORT}; {@link #openTpm()} gives a TSS.Java connection for provisioning
 * (close it before the agent connects: swtpm serves one connection at a time).
 *
 * <p>Kept small on purpose; the full swtpm fixture of the testbed is {@code dev.tpmdevid.testbed.swtpm}.
 */
public final class LabSwtpm implements AutoCloseable {
    private final Path stateDir;
    private final int port;
    private final Process process;
    private final Duration startTime;

    private LabSwtpm(Path stateDir, int port, Process process, Duration startTime) {
        this.stateDir = stateDir;
        this.port = port;
        this.process = process;
        this.startTime = startTime;
    }

    /** Starts swtpm with its state in {@code stateDir} (created if missing). */
    public static LabSwtpm start(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortPair();
            Instant t0 = Instant.now();
            Process p = new ProcessBuilder(List.of("swtpm", "socket", "--tpm2",
                    "--tpmstate", "dir=" + stateDir,
                    "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                    "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
                    "--flags", "not-need-init,startup-clear",
                    "--log", "file=" + stateDir.resolve("swtpm.log")))
                    .redirectErrorStream(true)
                    .redirectOutput(stateDir.resolve("swtpm.out").toFile())
                    .start();
            try {
                waitListening(p, port + 1);
                return new LabSwtpm(stateDir, port, p, Duration.between(t0, Instant.now()));
            } catch (IOException e) {
                p.destroyForcibly();
                last = e;
            }
        }
        throw last;
    }

    /** What the agent's {@code tpm_device_path} says to reach this TPM. */
    public String devicePath() {
        return "tcp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path stateDir() {
        return stateDir;
    }

    public long pid() {
        return process.pid();
    }

    public Duration startTime() {
        return startTime;
    }

    /** A TSS.Java TPM over a new connection to the command port. */
    public Tpm openTpm() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(120_000);
        Tpm tpm = new Tpm();
        tpm._setDevice(new RawTcpDevice(s));
        return tpm;
    }

    @Override
    public void close() {
        Processes.terminate(process, java.time.Duration.ofSeconds(3));
    }

    private static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p >= 65535) {
                continue;
            }
            try (ServerSocket s2 = new ServerSocket(p + 1, 1, java.net.InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException taken) {
                // try another pair
            }
        }
        throw new IOException("no free loopback port pair for swtpm");
    }

    private static void waitListening(Process p, int ctrlPort) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("swtpm exited with status " + p.exitValue());
            }
            try (Socket s = new Socket("127.0.0.1", ctrlPort)) {
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        throw new IOException("swtpm did not listen within 20 s");
    }

    /** TPM commands and responses as raw bytes on one TCP connection (swtpm's TCP server protocol). */
    private static final class RawTcpDevice extends TpmDevice {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        RawTcpDevice(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        @Override
        public boolean connect() {
            return true;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public void dispatchCommand(byte[] command) {
            try {
                out.write(command);
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException("swtpm send: " + e.getMessage(), e);
            }
        }

        @Override
        public byte[] getResponse() {
            try {
                byte[] header = new byte[10];
                in.readFully(header);
                int size = ByteBuffer.wrap(header, 2, 4).getInt();
                byte[] response = new byte[size];
                System.arraycopy(header, 0, response, 0, 10);
                in.readFully(response, 10, size - 10);
                return response;
            } catch (IOException e) {
                throw new IllegalStateException("swtpm receive: " + e.getMessage(), e);
            }
        }

        @Override
        public boolean responseReady() {
            return true;
        }
    }
}
