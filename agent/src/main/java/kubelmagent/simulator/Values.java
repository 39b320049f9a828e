package kubelmagent.simulator;

import java.util.Locale;

/** Reading parameter values the way the LoadMaster accepts them. */
final class Values {

    private Values() {}

    /** {@code Y/N}, {@code yes/no}, {@code 1/0}, {@code true/false}, {@code on/off} in any case; null otherwise. */
    static Boolean flag(String text) {
        if (text == null) {
            return null;
        }
        switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "y":
            case "yes":
            case "1":
            case "true":
            case "on":
                return Boolean.TRUE;
            case "n":
            case "no":
            case "0":
            case "false":
            case "off":
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /** A decimal integer, or null. */
    static Integer integer(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String yn(boolean value) {
        return value ? "Y" : "N";
    }

    static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }
}
