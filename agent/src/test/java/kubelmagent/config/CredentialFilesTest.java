package kubelmagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credential files: found through systemd's {@code $CREDENTIALS_DIRECTORY}, and warned about when others can read them. */
class CredentialFilesTest {

    @TempDir
    Path tempDir;

    private ConfigFixture fixture;
    private Path credentials;
    private int ownGroup;

    @BeforeEach
    void createFiles() throws IOException {
        fixture = new ConfigFixture(tempDir.resolve("etc"));
        credentials = Files.createDirectories(tempDir.resolve("run-credentials"));
        for (String name : List.of("token", "lm-apikey", "lm-password", "kubeconfig")) {
            chmod(fixture.dir.resolve(name), "rw-------");
        }
        ownGroup = (Integer) Files.getAttribute(fixture.dir.resolve("token"), "unix:gid");
    }

    private AgentConfig load(Map<String, String> environment, Integer agentGroup) throws ConfigException {
        return ConfigLoader.parse(
                fixture.yaml(),
                "agent.yaml",
                fixture.dir,
                new CredentialFiles(environment, agentGroup),
                UnitStateDirectory.NONE);
    }

    private AgentConfig load() throws ConfigException {
        return load(Map.of(), ownGroup);
    }

    private static void chmod(Path file, String permissions) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    private Path credential(String name, String value) throws IOException {
        Path file = Files.writeString(credentials.resolve(name), value + "\n");
        chmod(file, "r--------");
        return file;
    }

    // ---- $CREDENTIALS_DIRECTORY ------------------------------------------------------------------

    @Test
    void readsABareFileNameFromTheCredentialsDirectoryWhenSystemdSetsIt() throws Exception {
        credential("lm-apikey", "key-from-systemd");
        credential("lm-password", "password-from-systemd");
        Path token = credential("token", "token-from-systemd");
        Map<String, String> systemd = Map.of("CREDENTIALS_DIRECTORY", credentials.toString());

        AgentConfig withKey = load(systemd, ownGroup);
        fixture.with("loadmaster", "-apiKeyFile\nusername: bal\npasswordFile: lm-password");
        AgentConfig withPassword = load(systemd, ownGroup);

        assertEquals(token, withKey.kubernetes().tokenFile());
        assertEquals("key-from-systemd", withKey.loadMaster().apiKey().reveal());
        assertEquals(credentials.resolve("lm-apikey"), withKey.loadMaster().apiKeyFile(), "read again from there");
        assertEquals(
                "password-from-systemd", withPassword.loadMaster().password().reveal());
        assertEquals(
                credentials.resolve("lm-password"), withPassword.loadMaster().passwordFile());
    }

    @Test
    void readsAPathWithASlashNextToAgentYamlEvenUnderSystemd() throws Exception {
        credential("token", "token-from-systemd");
        fixture.with("kubernetes", "tokenFile: ./token")
                .with("loadmaster", "apiKeyFile: " + fixture.dir.resolve("lm-apikey"));

        AgentConfig config = load(Map.of("CREDENTIALS_DIRECTORY", credentials.toString()), ownGroup);

        assertEquals(fixture.dir.resolve("token"), config.kubernetes().tokenFile());
        assertEquals(ConfigFixture.API_KEY, config.loadMaster().apiKey().reveal());
    }

    @Test
    void readsABareFileNameNextToAgentYamlWithoutSystemd() throws Exception {
        credential("lm-apikey", "key-from-systemd");

        AgentConfig config = load(Map.of("CREDENTIALS_DIRECTORY", ""), ownGroup);

        assertEquals(fixture.dir.resolve("token"), config.kubernetes().tokenFile());
        assertEquals(ConfigFixture.API_KEY, config.loadMaster().apiKey().reveal());
    }

    @Test
    void saysHowToHandTheCredentialOverWhenItIsNotInTheCredentialsDirectory() throws Exception {
        credential("token", "token-from-systemd");
        Path missing = credentials.resolve("lm-apikey");

        ConfigException e = assertThrows(
                ConfigException.class, () -> load(Map.of("CREDENTIALS_DIRECTORY", credentials.toString()), ownGroup));

        assertEquals(
                List.of("loadmaster.apiKeyFile: cannot read " + missing + ": No such file or directory; a bare"
                        + " file name is looked up in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=): add"
                        + " LoadCredential=lm-apikey:/etc/kube-lm-agent/lm-apikey to the unit, or write ./lm-apikey for the"
                        + " file next to agent.yaml"),
                e.problems());
    }

    // ---- permissions -----------------------------------------------------------------------------

    @Test
    void warnsAboutNothingWhenOnlyTheAgentCanReadItsCredentials() throws Exception {
        assertEquals(List.of(), load().warnings());
    }

    @Test
    void warnsAboutNothingWhenOnlyTheAgentsOwnGroupCanReadThem() throws Exception {
        chmod(fixture.dir.resolve("token"), "rw-r-----");

        assertEquals(List.of(), load().warnings());
    }

    @Test
    void warnsAboutEachCredentialFileEveryUserCanRead() throws Exception {
        Path token = fixture.dir.resolve("token");
        Path apiKey = fixture.dir.resolve("lm-apikey");
        chmod(token, "rw-r--r--");
        chmod(apiKey, "r-----r--");

        AgentConfig config = load();

        assertEquals(
                List.of(
                        "kubernetes.tokenFile: " + token + " has mode 0644, which lets every user on this host read the"
                                + " token; run: chmod 0600 " + token,
                        "loadmaster.apiKeyFile: " + apiKey
                                + " has mode 0404, which lets every user on this host read the"
                                + " API key; run: chmod 0600 " + apiKey),
                config.warnings());
    }

    @Test
    void warnsAboutACredentialFileAnotherGroupCanRead() throws Exception {
        Path password = fixture.dir.resolve("lm-password");
        chmod(password, "rw-r-----");
        String group = Files.readAttributes(password, java.nio.file.attribute.PosixFileAttributes.class)
                .group()
                .getName();
        fixture.with("loadmaster", "-apiKeyFile\nusername: bal\npasswordFile: lm-password");

        AgentConfig config = load(Map.of(), ownGroup + 1);

        assertEquals(
                List.of("loadmaster.passwordFile: " + password + " has mode 0640 and group " + group + ", which"
                        + " lets the members of " + group + " read the password; run: chmod 0600 " + password),
                config.warnings());
    }

    @Test
    void warnsAboutAKubeconfigThatHoldsATokenWhenOthersCanReadIt() throws Exception {
        Path kubeconfig = fixture.dir.resolve("kubeconfig");
        chmod(kubeconfig, "rw-rw-rw-");
        fixture.with("kubernetes", "-server\n-tokenFile\nkubeconfig: kubeconfig");

        AgentConfig config = load();

        assertEquals(
                List.of("kubernetes.kubeconfig: " + kubeconfig + " has mode 0666, which lets every user on this"
                        + " host read the kubeconfig's credentials; run: chmod 0600 " + kubeconfig),
                config.warnings());
    }

    @Test
    void neverPutsTheCredentialIntoAWarning() throws Exception {
        for (String name : List.of("token", "lm-apikey", "lm-password")) {
            chmod(fixture.dir.resolve(name), "rw-rw-r--");
        }
        List<String> warnings = load().warnings();
        fixture.with("loadmaster", "-apiKeyFile\nusername: bal\npasswordFile: lm-password");
        List<String> withPassword = load().warnings();

        assertEquals(2, warnings.size(), warnings.toString());
        assertEquals(2, withPassword.size(), withPassword.toString());
        for (String warning : List.of(warnings.get(0), warnings.get(1), withPassword.get(1))) {
            for (String secret : List.of(ConfigFixture.TOKEN, ConfigFixture.API_KEY, ConfigFixture.PASSWORD)) {
                assertFalse(warning.contains(secret), warning);
            }
        }
    }
}
