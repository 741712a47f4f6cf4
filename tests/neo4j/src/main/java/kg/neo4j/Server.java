package kg.neo4j;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
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
 * connections, and stops cleanly on SIGTERM or when standard input closes. HOME keeps the data,
 * so a restart on the same HOME finds the graph again.
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
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(64))
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
        while (System.in.read() != -1) {
            // nothing to read: we only wait for the end of standard input
        }
        stop.run();
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
