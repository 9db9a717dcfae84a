// The cross-key rules of the stack config, one per file, in the order they run (and report). Each runs
// only when the top-level keys it reads are themselves valid, so every problem is reported at once.
import { clustersRule } from "./clusters";
import { reshapeRule } from "./reshape";
import { agentTokenRule } from "./agentToken";
import { imagePullRule } from "./imagePull";
import { workersRule } from "./workers";
import { dagBundlesRule } from "./dagBundles";
import { imagesRule } from "./images";
import { openLineageRule } from "./openLineage";
import { chartSourceRule } from "./chartSource";
import { hpaShapeRule } from "./hpaShape";
import { envNamesRule } from "./envNames";
import { reservedVolumesRule } from "./reservedVolumes";
import { restrictedFloorRule } from "./restrictedFloor";
import { podIdentityRule } from "./podIdentity";
import { networkPolicyRule } from "./networkPolicy";
import { identityAnnotationsRule } from "./identityAnnotations";
import { sentinelSidecarRule } from "./sentinelSidecar";
import { podSettingsRule } from "./podSettings";
import { volumeMountsRule } from "./volumeMounts";
import { extraValuesSecretsRule } from "./extraValuesSecrets";
import { backendRule } from "./backend";
import { acceptRisksRule } from "./acceptRisks";
import { caBundleRule } from "./caBundle";
import { tenantNamespaceRule } from "./tenantNamespace";
import { ownedMetadataRule } from "./ownedMetadata";
import type { ConfigRule } from "./rule";

export const CONFIG_RULES: readonly ConfigRule[] = [
    clustersRule,
    reshapeRule,
    agentTokenRule,
    imagePullRule,
    workersRule,
    dagBundlesRule,
    imagesRule,
    openLineageRule,
    chartSourceRule,
    hpaShapeRule,
    envNamesRule,
    caBundleRule,
    reservedVolumesRule,
    restrictedFloorRule,
    podIdentityRule,
    networkPolicyRule,
    identityAnnotationsRule,
    ownedMetadataRule,
    sentinelSidecarRule,
    podSettingsRule,
    volumeMountsRule,
    extraValuesSecretsRule,
    backendRule,
    tenantNamespaceRule,
    acceptRisksRule,
];
