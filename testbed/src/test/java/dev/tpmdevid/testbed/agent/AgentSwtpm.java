package dev.tpmdevid.testbed.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import tss.Tpm;
import tss.TpmDevice;
import tss.tpm.GetCapabilityResponse;
import tss.tpm.TPML_HANDLE;
import tss.tpm.TPM_CAP;
import tss.tpm.TPM_HANDLE;

/**
 * A private swtpm for one agent test, provisioned with EK certificates in NV and an LDevID
 * ({@link Provisioner}); served over TCP or a unix socket. The provisioning connection is closed before
 * the agent runs (swtpm serves one client at a time).
 */
final class AgentSwtpm implements AutoCloseable {

    enum Transport { TCP, UNIX }

    private final Path dir;
    private final Transport transport;
    private final int port;
    private Process process;
    final ProvisionedTpm provisioned;

    AgentSwtpm(Path dir, Transport transport, ProvisionOptions options) throws Exception {
        this.dir = dir;
        this.transport = transport;
        Files.createDirectories(dir.resolve("state"));
        this.port = transport == Transport.TCP ? freePortPair() : 0;
        start();
        try (Tpm tpm = open()) {
            provisioned = Provisioner.provision(tpm, devicePath(), options, dir.resolve("files"));
        }
    }

    static boolean available() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(p, "swtpm"))) {
                return true;
            }
        }
        return false;
    }

    /** The {@code tpm_device_path} value for this swtpm. */
    String devicePath() {
        return transport == Transport.TCP ? "tcp://127.0.0.1:" + port : dir.resolve("swtpm.sock").toString();
    }

    /** The agent's HCL for this TPM, plus {@code extra} lines. */
    String agentHcl(String extra) {
        return provisioned.agentConfig() + extra;
    }

    void start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swtpm", "socket", "--tpm2", "--tpmstate",
                "dir=" + dir.resolve("state"), "--flags", "not-need-init,startup-clear",
                "--log", "file=" + dir.resolve("swtpm.log")));
        if (transport == Transport.TCP) {
            cmd.addAll(List.of("--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                    "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1"));
        } else {
            Files.deleteIfExists(dir.resolve("swtpm.sock"));
            Files.deleteIfExists(dir.resolve("ctrl.sock"));
            cmd.addAll(List.of("--server", "type=unixio,path=" + dir.resolve("swtpm.sock"),
                    "--ctrl", "type=unixio,path=" + dir.resolve("ctrl.sock")));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("swtpm.out").toFile()).start();
        for (int i = 0; i < 1000; i++) {
            if (ctrlReady()) {
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("swtpm did not start: " + Files.readString(dir.resolve("swtpm.out")));
    }

    private boolean ctrlReady() {
        try {
            if (transport == Transport.TCP) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port + 1), 200);
                    return true;
                }
            }
            if (!Files.exists(dir.resolve("ctrl.sock")) || !Files.exists(dir.resolve("swtpm.sock"))) {
                return false;
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(dir.resolve("ctrl.sock")));
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills swtpm (SIGKILL), as a crash of the TPM would look to the agent. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** A test-side connection (for checks); close it before the agent connects again. */
    Tpm open() throws IOException {
        InputStream in;
        OutputStream out;
        AutoCloseable closer;
        if (transport == Transport.TCP) {
            Socket s = new Socket("127.0.0.1", port);
            s.setTcpNoDelay(true);
            in = s.getInputStream();
            out = s.getOutputStream();
            closer = s;
        } else {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("swtpm.sock")));
            in = Channels.newInputStream(ch);
            out = Channels.newOutputStream(ch);
            closer = ch;
        }
        Tpm tpm = new Tpm();
        tpm._setDevice(new RawDevice(in, out, closer));
        return tpm;
    }

    /** Transient objects, loaded sessions and saved sessions currently on the TPM. */
    List<Integer> handlesInUse() throws IOException {
        List<Integer> out = new ArrayList<>();
        try (Tpm tpm = open()) {
            for (int first : new int[] {0x80000000, 0x02000000, 0x03000000}) {
                GetCapabilityResponse r = tpm.GetCapability(TPM_CAP.HANDLES, first, 64);
                for (TPM_HANDLE h : ((TPML_HANDLE) r.capabilityData).handle) {
                    if ((h.handle >>> 24) == (first >>> 24)) {
                        out.add(h.handle);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static int freePortPair() throws IOException {
        while (true) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            try (ServerSocket s2 = new ServerSocket(p + 1)) {
                return p;
            } catch (IOException e) {
                // taken, try another pair
            }
        }
    }

    private static final class RawDevice extends TpmDevice {
        private final DataInputStream in;
        private final OutputStream out;
        private final AutoCloseable closer;

        RawDevice(InputStream in, OutputStream out, AutoCloseable closer) {
            this.in = new DataInputStream(in);
            this.out = out;
            this.closer = closer;
        }

        @Override public boolean connect() { return true; }

        @Override public void close() {
            try {
                closer.close();
            } catch (Exception e) {
                // ignore
            }
        }

        @Override public void dispatchCommand(byte[] cmd) {
            try {
                out.write(cmd);
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
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
                throw new IllegalStateException(e);
            }
        }

        @Override public boolean responseReady() { return true; }
    }
}
