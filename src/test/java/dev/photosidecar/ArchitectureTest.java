package dev.photosidecar;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages depend only downwards, in the order docs/architecture.md draws them: the commands and the server's
 * composition on top, the HTTP edge, then intake and delivery, then the spool and the ledger side by side, then
 * config and the small shared packages. A new upward import or a cycle between packages fails here, naming the
 * offending classes.
 */
@UnitTest
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() throws Exception {
        // Only the compiled main classes (one folder): scanning the class path for the package would read every jar.
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        assertThat(main.contain(Main.class)).as("the main classes were found").isTrue();
    }

    @Test
    void packagesDependOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("main").definedBy("dev.photosidecar")
                .layer("cli").definedBy("dev.photosidecar.cli..")
                .layer("push").definedBy("dev.photosidecar.push..")
                .layer("server").definedBy("dev.photosidecar.server..")
                .layer("http").definedBy("dev.photosidecar.http..")
                .layer("intake").definedBy("dev.photosidecar.intake..")
                .layer("delivery").definedBy("dev.photosidecar.delivery..")
                .layer("spool").definedBy("dev.photosidecar.spool..")
                .layer("ledger").definedBy("dev.photosidecar.ledger..")
                .layer("config").definedBy("dev.photosidecar.config..")
                .layer("shared").definedBy("dev.photosidecar.names..", "dev.photosidecar.disk..")
                .whereLayer("main").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayOnlyBeAccessedByLayers("main")
                .whereLayer("push").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("server").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("http").mayOnlyBeAccessedByLayers("server")
                .whereLayer("intake").mayOnlyBeAccessedByLayers("http", "server")
                .whereLayer("delivery").mayOnlyBeAccessedByLayers("http", "server", "cli")
                // The spool and the ledger stand side by side: neither knows the other.
                .whereLayer("spool").mayOnlyBeAccessedByLayers("intake", "delivery", "http", "server", "cli")
                .whereLayer("ledger").mayOnlyBeAccessedByLayers("intake", "delivery", "http", "server", "cli")
                .whereLayer("config").mayOnlyBeAccessedByLayers("ledger", "spool", "intake", "delivery", "http", "server",
                        "cli", "push", "main")
                .check(main);
    }

    @Test
    void noCyclesBetweenPackages() {
        // Every package is its own slice, sub-packages too: http/routes assembles http/admin and http/resumable, and
        // server/Ledgers picks ledger/sqlite or ledger/postgres, so that neither parent imports its children.
        slices().matching("dev.photosidecar.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void onlyTheSqliteLedgerKnowsSqlite() {
        noClasses().that().resideOutsideOfPackage("dev.photosidecar.ledger.sqlite..")
                .should().dependOnClassesThat().resideInAPackage("org.sqlite..").check(main);
    }

    @Test
    void storageKnowsNothingOfHttp() {
        noClasses().that().resideInAnyPackage("dev.photosidecar.spool..", "dev.photosidecar.ledger..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.photosidecar.http..", "io.javalin..",
                        "org.eclipse.jetty..")
                .check(main);
    }
}
