package kubelmagent.kube;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Just enough DER to rewrap PKCS#1 and SEC1 private keys as PKCS#8. */
final class Der {

    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OBJECT_IDENTIFIER = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]}, constructed: SEC1's {@code parameters}. */
    static final int CONTEXT_0 = 0xa0;

    private Der() {}

    /** One tag-length-value element. */
    record Element(int tag, byte[] encoded, byte[] content) {

        /** The elements inside a constructed element (SEQUENCE, [0], ...). */
        List<Element> children() throws IOException {
            List<Element> children = new ArrayList<>();
            int offset = 0;
            while (offset < content.length) {
                Element child = read(content, offset);
                children.add(child);
                offset += child.encoded.length;
            }
            return children;
        }
    }

    /** Reads the whole input as one element. */
    static Element parse(byte[] der) throws IOException {
        Element element = read(der, 0);
        if (element.encoded.length != der.length) {
            throw new IOException("malformed DER (data after the end)");
        }
        return element;
    }

    private static Element read(byte[] data, int offset) throws IOException {
        if (offset + 2 > data.length) {
            throw new IOException("malformed DER (truncated)");
        }
        int tag = data[offset] & 0xff;
        int first = data[offset + 1] & 0xff;
        int headerLength = 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int count = first & 0x7f;
            if (count == 0 || count > 4 || offset + 2 + count > data.length) {
                throw new IOException("malformed DER (bad length)");
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (data[offset + 2 + i] & 0xff);
            }
            headerLength += count;
        }
        long end = offset + headerLength + length;
        if (end > data.length) {
            throw new IOException("malformed DER (truncated)");
        }
        return new Element(tag,
                Arrays.copyOfRange(data, offset, (int) end),
                Arrays.copyOfRange(data, offset + headerLength, (int) end));
    }

    /** Encodes one element from its tag and the concatenation of {@code parts}. */
    static byte[] encode(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        int length = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            byte[] bytes = BigInteger.valueOf(length).toByteArray();
            int skip = bytes[0] == 0 ? 1 : 0;
            out.write(0x80 | (bytes.length - skip));
            out.write(bytes, skip, bytes.length - skip);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    static byte[] integer(int smallValue) {
        return encode(INTEGER, new byte[] {(byte) smallValue});
    }
}
