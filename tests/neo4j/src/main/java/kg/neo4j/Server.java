package kg.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j Community embedded, serving Bolt on 127.0.0.1:PORT with authentication on.
 *
 * <p>Usage: {@code NEO4J_PASSWORD=secret123 java -jar kg-neo4j-server.jar HOME PORT}. The password
 * comes from the environment (never the command line, which other users can read); it becomes the
 * password of the user {@code neo4j}. Prints {@code READY bolt://127.0.0.1:PORT} once Bolt accepts
 * connections, and runs until SIGTERM or SIGINT (Ctrl-C), which stop it cleanly in a second or
 * two. Where standard input is a pipe, its end stops it too: a parent that holds the pipe (the
 * tests) stops it by closing it, and it never outlives such a parent. Standard input from a
 * terminal or /dev/null ({@code nohup make neo4j &}) is never read. HOME keeps the data, so a
 * restart on the same HOME finds the graph again. The page cache is 64 MiB unless
 * {@code NEO4J_PAGECACHE_MB} says otherwise: enough for the tests' graphs, while a benchmark of a
 * large build wants its whole store cached, as a server of its own would have it.
 */
public final class Server {
    private Server() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Server HOME PORT (password in NEO4J_PASSWORD)");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must hold a password of at least 8 characters");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb()))
                // Bolt waits 5 s for its connections and 5 s for its threads on shutdown: a stop took 10 s
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                .build();
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                dbms.shutdown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        setPassword(dbms, password);
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        if (stdinIsPipe()) {
            while (System.in.read() != -1) {
                // nothing to read: we only wait for the end of standard input
            }
            stop.run();
            System.exit(0); // Neo4j's lingering non-daemon threads would hold the JVM for seconds more
        } else {
            Thread.currentThread().join(); // until a signal runs the shutdown hook
        }
    }

    /** The page cache in MiB: NEO4J_PAGECACHE_MB, or 64. */
    private static long pageCacheMb() {
        String given = System.getenv("NEO4J_PAGECACHE_MB");
        return given == null || given.isBlank() ? 64 : Long.parseLong(given.trim());
    }

    /** Whether standard input is a pipe (Linux: /proc/self/fd/0 links to "pipe:[N]"). */
    private static boolean stdinIsPipe() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString().startsWith("pipe:");
        } catch (IOException | UnsupportedOperationException error) {
            return false;
        }
    }

    /** The initial password; on a restart with the same HOME it is already set, which is fine. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException error) {
            if (!String.valueOf(error.getMessage()).contains("cannot be the same")) {
                throw error;
            }
        }
    }
}
