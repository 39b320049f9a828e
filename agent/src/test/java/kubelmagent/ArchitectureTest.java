package kubelmagent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package boundaries of the agent's own code (tests are not imported): the planner and the model
 * are pure, and the stand-ins (the LoadMaster simulator, the demo's Kubernetes API) are reachable only
 * from the command line's demo entry.
 */
@AnalyzeClasses(packages = "kubelmagent", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule PLAN_USES_ONLY_THE_MODEL = classes()
            .that()
            .resideInAPackage("kubelmagent.plan..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("kubelmagent.plan..", "kubelmagent.model..", "java..")
            .because("the planner's rules are a pure function of the model");

    @ArchTest
    static final ArchRule MODEL_USES_ONLY_JAVA = classes()
            .that()
            .resideInAPackage("kubelmagent.model..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("kubelmagent.model..", "java..")
            .because("the model is plain values that every part of the agent shares");

    @ArchTest
    static final ArchRule ONLY_THE_DEMO_USES_THE_SIMULATOR = noClasses()
            .that()
            .resideOutsideOfPackages("kubelmagent.cli..", "kubelmagent.demo..", "kubelmagent.simulator..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("kubelmagent.simulator..")
            .because("the LoadMaster simulator is a stand-in for the demo and the tests, never part of the agent");

    @ArchTest
    static final ArchRule ONLY_THE_CLI_USES_THE_DEMO = noClasses()
            .that()
            .resideOutsideOfPackages("kubelmagent.cli..", "kubelmagent.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("kubelmagent.demo..")
            .because("the demo's stand-ins are started by the command line's --demo only");

    @ArchTest
    static final ArchRule NO_CYCLES =
            slices().matching("kubelmagent.(*)..").should().beFreeOfCycles();
}
