package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;

class PemPrivateKeysTest {

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] derOf(String pkiFile, String type) {
        String text = new String(Pki.bytes(pkiFile), StandardCharsets.US_ASCII);
        String body = text.substring(
                text.indexOf("-----BEGIN " + type + "-----") + ("-----BEGIN " + type + "-----").length(),
                text.indexOf("-----END " + type + "-----"));
        return Base64.getMimeDecoder().decode(body.strip());
    }

    @Test
    void readsTheSameEcKeyFromSec1AndPkcs8() throws IOException {
        PrivateKey sec1 = PemPrivateKeys.parse(Pki.bytes(Pki.EC_SEC1_KEY));
        PrivateKey pkcs8 = PemPrivateKeys.parse(Pki.bytes(Pki.EC_PKCS8_KEY));

        assertEquals(((ECPrivateKey) pkcs8).getS(), ((ECPrivateKey) sec1).getS());
        assertEquals(
                ((ECPrivateKey) pkcs8).getParams().getCurve(),
                ((ECPrivateKey) sec1).getParams().getCurve());
    }

    @Test
    void readsTheSameRsaKeyFromPkcs1AndPkcs8() throws IOException {
        assertEquals(
                PemPrivateKeys.parse(Pki.bytes(Pki.RSA_PKCS8_KEY)), PemPrivateKeys.parse(Pki.bytes(Pki.RSA_PKCS1_KEY)));
    }

    @Test
    void rejectsASec1KeyThatDoesNotNameItsCurve() throws IOException {
        // the same key with its [0] parameters left out
        ASN1Sequence fields = ASN1Sequence.getInstance(derOf(Pki.EC_SEC1_KEY, "EC PRIVATE KEY"));
        byte[] withoutCurve =
                new DERSequence(new ASN1Encodable[] {fields.getObjectAt(0), fields.getObjectAt(1)}).getEncoded();

        IOException e = assertThrows(
                IOException.class,
                () -> PemPrivateKeys.parse(pem("EC PRIVATE KEY", withoutCurve).getBytes(StandardCharsets.US_ASCII)));

        assertTrue(e.getMessage().startsWith("the \"EC PRIVATE KEY\" does not name its curve"), e.getMessage());
    }

    @Test
    void rejectsKeysOtherThanRsaAndEc() throws GeneralSecurityException {
        byte[] ed25519 = KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair()
                .getPrivate()
                .getEncoded();

        IOException e = assertThrows(
                IOException.class,
                () -> PemPrivateKeys.parse(pem("PRIVATE KEY", ed25519).getBytes(StandardCharsets.US_ASCII)));

        assertEquals("the private key is neither RSA nor EC; only those are supported", e.getMessage());
    }

    @Test
    void rejectsLegacyEncryptedPem() {
        String legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nAAAA\n"
                + "-----END RSA PRIVATE KEY-----\n";

        IOException e =
                assertThrows(IOException.class, () -> PemPrivateKeys.parse(legacy.getBytes(StandardCharsets.US_ASCII)));

        assertTrue(e.getMessage().startsWith("the private key is encrypted"), e.getMessage());
    }

    @Test
    void saysWhichBlocksItExpectsWhenThereIsNoKey() {
        IOException e = assertThrows(IOException.class, () -> PemPrivateKeys.parse(Pki.bytes(Pki.CA)));

        assertEquals(
                "no PEM private key found (expected a \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or"
                        + " \"EC PRIVATE KEY\" block)",
                e.getMessage());
    }
}
