package kubelmagent.log;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Pieces of operator-facing messages that several parts of the agent write the same way. */
public final class Text {

    private Text() {}

    /**
     * {@code "value"}: escaped so it stays on one line and cannot be mistaken for the message around
     * it, and cut after {@code max} characters so a pasted blob cannot flood the journal. Only for
     * values that are not secrets.
     */
    public static String quote(String value, int max) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), max) + 8).append('"');
        int shown = 0;
        for (int i = 0; i < value.length(); i++) {
            if (shown == max) {
                out.append("...");
                break;
            }
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
            shown++;
        }
        return out.append('"').toString();
    }

    /** The operating system's words for a failed file read, as {@code cat} would print them. */
    public static String ioReason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
