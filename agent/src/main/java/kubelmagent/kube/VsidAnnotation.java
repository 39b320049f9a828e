package kubelmagent.kube;

import java.util.Optional;
import java.util.regex.Pattern;
import kubelmagent.model.VirtualServiceId;

/** Reads the {@code vsid} annotation: a LoadMaster Virtual Service id, a positive decimal integer. */
final class VsidAnnotation {

    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private VsidAnnotation() {}

    /** @return the id, or empty unless the value (surrounding whitespace aside) is digits only, fits an int and is above 0 */
    static Optional<VirtualServiceId> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String digits = value.strip();
        if (!DIGITS.matcher(digits).matches()) {
            return Optional.empty();
        }
        try {
            int index = Integer.parseInt(digits);
            return index > 0 ? Optional.of(VirtualServiceId.of(index)) : Optional.empty();
        } catch (NumberFormatException tooLarge) {
            return Optional.empty();
        }
    }
}
