// Compatibility shim for make_corpus.sh, not part of chattools.
//
// Debian 12's libapache-poi-java 4.0.1 ships a stripped poi-ooxml-schemas.jar (100 KB, the
// XMLBeans type system missing), so no XLSX can be read or written with it:
//   NoClassDefFoundError: org/apache/xmlbeans/metadata/system/s0362.../TypeSystemHolder
// make_corpus.sh puts the complete poi-ooxml-schemas-3.17.jar (shipped inside the PyPI
// sdist poi4py 0.0.8) in front of it. Those generated classes call this 3.x class, which
// POI 4 moved to org.apache.poi.ooxml; here it forwards to XMLBeans' context type loader
// (Debian's xmlbeans 4.0.0), which is what POI 4's own generated classes use.
package org.apache.poi;

import org.apache.xmlbeans.SchemaType;
import org.apache.xmlbeans.XmlBeans;
import org.apache.xmlbeans.XmlException;
import org.apache.xmlbeans.XmlObject;
import org.apache.xmlbeans.XmlOptions;

public class POIXMLTypeLoader {
    public static final XmlOptions DEFAULT_XML_OPTIONS = new XmlOptions();
    public static XmlObject newInstance(SchemaType type, XmlOptions options) {
        return XmlBeans.getContextTypeLoader().newInstance(type, options);
    }
    public static XmlObject parse(String s, SchemaType type, XmlOptions options) throws XmlException {
        return XmlBeans.getContextTypeLoader().parse(s, type, options);
    }
    public static XmlObject parse(java.io.File f, SchemaType type, XmlOptions options) throws XmlException, java.io.IOException {
        return XmlBeans.getContextTypeLoader().parse(f, type, options);
    }
    public static XmlObject parse(java.net.URL u, SchemaType type, XmlOptions options) throws XmlException, java.io.IOException {
        return XmlBeans.getContextTypeLoader().parse(u, type, options);
    }
    public static XmlObject parse(java.io.InputStream i, SchemaType type, XmlOptions options) throws XmlException, java.io.IOException {
        return XmlBeans.getContextTypeLoader().parse(i, type, options);
    }
    public static XmlObject parse(javax.xml.stream.XMLStreamReader r, SchemaType type, XmlOptions options) throws XmlException {
        return XmlBeans.getContextTypeLoader().parse(r, type, options);
    }
    public static XmlObject parse(java.io.Reader r, SchemaType type, XmlOptions options) throws XmlException, java.io.IOException {
        return XmlBeans.getContextTypeLoader().parse(r, type, options);
    }
    public static XmlObject parse(org.w3c.dom.Node n, SchemaType type, XmlOptions options) throws XmlException {
        return XmlBeans.getContextTypeLoader().parse(n, type, options);
    }
}
